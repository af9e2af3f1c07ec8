// Renders rows as one Markdown table (readable in a terminal and pasteable into a README).

/** The bench table's columns: every row object has these keys. */
export const BENCH_COLUMNS = [
  { key: "row", title: "#" },
  { key: "what", title: "measurement" },
  { key: "result", title: "result (median / p95)" },
  { key: "goal", title: "goal" },
  { key: "met", title: "met" },
];

export function renderTable(columns, rows) {
  const cells = rows.map((row) => columns.map((c) => String(row[c.key] ?? "")));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i].length)));
  const line = (values) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(" | ")} |`;
  return [line(columns.map((c) => c.title)), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...cells.map(line)].join("\n");
}

export function ms(value) {
  return value >= 100 ? `${Math.round(value).toLocaleString("en-US")} ms` : `${value.toFixed(1)} ms`;
}

export function bytes(value) {
  if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
  if (value >= 10 * 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value).toLocaleString("en-US")} B`;
}

export function count(value) {
  return value.toLocaleString("en-US");
}
