// The one exponential backoff of every retry (radio and MQTT reconnects, failed syncs, key
// store writes): pure, so each caller's numbers are testable without waiting.

/**
 * The wait before retry number `attempt` (0 = the first retry): `minMs`, doubled per
 * attempt, never above `maxMs`. Negative or fractional attempts count as the whole number
 * below (at least 0); huge ones give `maxMs` rather than Infinity.
 */
export function backoff(attempt: number, minMs: number, maxMs: number): number {
  const n = Math.max(0, Math.floor(attempt));
  // 2 ** 1024 is Infinity: stop doubling well before, once the cap is reached anyway.
  return Math.min(maxMs, minMs * 2 ** Math.min(n, 1000));
}

/**
 * `ms` spread by ±`fraction` with `random` in [0, 1): several clients of one server that
 * lost it together do not come back in lockstep. Rounded to whole milliseconds.
 */
export function jitter(ms: number, fraction: number, random: number): number {
  return Math.round(ms * (1 - fraction + random * 2 * fraction));
}
