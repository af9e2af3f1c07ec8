// Row 13: the key signals' de-duplicator (sync/signals.ts SignalDeduper), CPU per signal with
// 1k, 10k and 100k distinct nodes signalling within one window: it must stay flat (the map is
// kept in signal order and pruned from its front), where a rescan per signal went quadratic
// past 10,000 nodes. In-process; alone: `node bench/dedupe.mjs` after `npm run build`.
import { fileURLToPath } from "node:url";
import { SignalDeduper } from "../dist/sync/signals.js";
import { median } from "./lib/stats.mjs";
import { BENCH_COLUMNS, renderTable } from "./lib/table.mjs";

export const DEDUPE_PLAN = { sizes: [1_000, 10_000, 100_000], rounds: 5, windowMs: 3_600_000 };

/**
 * CPU (user + system) per signal, in microseconds, for `nodes` distinct nodes signalling once
 * each within the window (each one admitted: the dearest case; past 50,000 each also
 * forgets the oldest).
 */
function once(nodes, windowMs) {
  const d = new SignalDeduper();
  const start = process.cpuUsage();
  for (let i = 0; i < nodes; i++) d.admit(i, i, windowMs);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / nodes;
}

export function measureDedupe({ sizes, rounds, windowMs }) {
  once(10_000, windowMs); // warm-up
  return sizes.map((nodes) => ({ nodes, usPerSignal: median(Array.from({ length: rounds }, () => once(nodes, windowMs))) }));
}

export function dedupeRows(results) {
  const first = results[0].usPerSignal;
  const last = results[results.length - 1].usPerSignal;
  const ratio = Math.round((last / first) * 100) / 100;
  return [
    {
      row: "13",
      what: `key-signal de-duplicator, CPU per signal at ${results.map((r) => r.nodes.toLocaleString("en-US")).join(" / ")} distinct nodes (median of ${DEDUPE_PLAN.rounds})`,
      result: `${results.map((r) => `${r.usPerSignal.toFixed(2)} µs`).join(" / ")}; ${ratio}x`,
      goal: "flat (<= 3x from 1k to 100k)",
      met: ratio <= 3 ? "yes" : "NO",
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const results = measureDedupe(DEDUPE_PLAN);
  process.stdout.write(`${renderTable(BENCH_COLUMNS, dedupeRows(results))}\n\n${JSON.stringify(results)}\n`);
}
