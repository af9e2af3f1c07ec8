// Pure scheduling decisions: given what the scheduler knows and the time, what to do next.
// scheduler.ts is the thin loop that acts on them.
import { backoff } from "../timing/backoff.js";
import type { SlidingLimit } from "../timing/limit.js";

export interface PlanState {
  enabled: boolean;
  /** The radio is connected and configured: a sync can run at all. */
  ready: boolean;
  running: boolean;
  intervalMs: number;
  /** When the next periodic sync is due (epoch ms); null before the radio was first ready. */
  nextPeriodicAt: number | null;
  /** An on-demand sync is wanted. */
  onDemandPending: boolean;
  /** sync.on_demand_max_per_minute over the on-demand syncs started; only asked, never changed here. */
  onDemandLimit: Pick<SlidingLimit, "allowedAt">;
  /** Consecutive failed syncs, for the backoff. */
  failures: number;
}

export type PlanDecision = { action: "sync"; reason: "periodic" | "on_demand" } | { action: "wait"; until: number | null };

export const MINUTE_MS = 60_000;

export function decide(state: PlanState, now: number): PlanDecision {
  if (!state.ready || state.running) return { action: "wait", until: null };
  let until: number | null = null;
  if (state.onDemandPending) {
    const allowedAt = state.onDemandLimit.allowedAt(now);
    if (allowedAt <= now) return { action: "sync", reason: "on_demand" };
    until = allowedAt;
  }
  if (state.enabled && state.nextPeriodicAt !== null) {
    if (state.nextPeriodicAt <= now) return { action: "sync", reason: "periodic" };
    until = until === null ? state.nextPeriodicAt : Math.min(until, state.nextPeriodicAt);
  }
  return { action: "wait", until };
}

const RETRY_MIN_MS = 15_000;
/** 15 s doubled ten times (about 4 h): with a day-long interval a dead radio is still retried. */
const RETRY_MAX_MS = RETRY_MIN_MS * 2 ** 10;

/** After a failure, retry sooner than the interval but back off: 15 s, 30 s, 60 s ... capped. */
export function retryDelay(failures: number, intervalMs: number): number {
  return backoff(failures - 1, RETRY_MIN_MS, Math.min(intervalMs, RETRY_MAX_MS));
}
