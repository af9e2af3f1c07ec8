// Small statistics: median, p95 (nearest rank), least-squares slope. Pure functions.

function sorted(values) {
  if (values.length === 0) throw new Error("no samples");
  return [...values].sort((a, b) => a - b);
}

/** The value at percentile p (0..100), nearest-rank method: always one of the samples. */
export function percentile(values, p) {
  const s = sorted(values);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1];
}

export function median(values) {
  const s = sorted(values);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function p95(values) {
  return percentile(values, 95);
}

/** Least-squares slope of y over x. */
export function slope(xs, ys) {
  if (xs.length !== ys.length || xs.length < 2) throw new Error("slope needs two or more points");
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

/** median and p95 of a sample set, rounded for the table. */
export function summary(values, digits = 1) {
  const f = 10 ** digits;
  return { median: Math.round(median(values) * f) / f, p95: Math.round(p95(values) * f) / f, n: values.length };
}
