// When syncs run: the periodic loop, forced syncs, rate-limited on-demand syncs, one at a
// time. Decisions come from plan.ts; this file only waits and acts. Time is injected.
import { Loop } from "../timing/loop.js";
import { Wake } from "../timing/wake.js";
import type { Clock } from "../timing/clock.js";
import { SlidingLimit } from "../timing/limit.js";
import { RadioNotReadyError } from "./errors.js";
import { MINUTE_MS, decide, retryDelay, type PlanState } from "./plan.js";

export type SyncReason = "periodic" | "on_demand" | "forced";

export interface SchedulerOptions<T> {
  clock: Clock;
  intervalSec: number;
  enabled: boolean;
  /** Seconds after the radio is ready before the first refresh; 0 = one interval (the handshake was a sync). */
  initialDelaySec: number;
  onDemandMaxPerMinute: number;
  run: (reason: SyncReason, signal: AbortSignal) => Promise<T>;
}

export class SyncScheduler<T> {
  private readonly state: PlanState;
  private readonly onDemandLimit: SlidingLimit;
  private current: Promise<T> | null = null;
  /** The outcome of the sync under way, once settle() set the next sync by it; null before. */
  private settled: boolean | null = null;
  private readonly wakeup: Wake;
  private readonly loop = new Loop();

  constructor(private readonly opts: SchedulerOptions<T>) {
    this.onDemandLimit = new SlidingLimit(opts.onDemandMaxPerMinute, MINUTE_MS);
    this.wakeup = new Wake(opts.clock);
    this.state = {
      enabled: opts.enabled,
      ready: false,
      running: false,
      intervalMs: opts.intervalSec * 1000,
      nextPeriodicAt: null,
      onDemandPending: false,
      onDemandLimit: this.onDemandLimit,
      failures: 0,
    };
  }

  start(): void {
    this.loop.start((signal) => this.run(signal));
  }

  async stop(): Promise<void> {
    await this.loop.stop(async () => {
      this.wake();
      await this.current?.catch(() => undefined);
    });
  }

  get running(): boolean {
    return this.state.running;
  }

  get enabled(): boolean {
    return this.state.enabled;
  }

  get intervalSec(): number {
    return this.state.intervalMs / 1000;
  }

  /** Epoch ms of the next periodic sync; null while disabled or before the radio was ready. */
  get nextSyncAt(): number | null {
    return this.state.enabled ? this.state.nextPeriodicAt : null;
  }

  /**
   * The radio finished its handshake (whose dump counts as a sync) or went away. The first
   * refresh follows `initial_delay`, or one interval when that is 0.
   */
  setReady(ready: boolean): void {
    if (ready === this.state.ready) return;
    this.state.ready = ready;
    if (ready) {
      const delay = this.opts.initialDelaySec > 0 ? this.opts.initialDelaySec * 1000 : this.state.intervalMs;
      this.state.nextPeriodicAt = this.opts.clock.now() + delay;
    }
    this.wake();
  }

  setInterval(seconds: number): void {
    const now = this.opts.clock.now();
    const last = this.state.nextPeriodicAt === null ? null : this.state.nextPeriodicAt - this.state.intervalMs;
    this.state.intervalMs = seconds * 1000;
    // Reschedule from the last sync, so a shorter interval takes effect at once.
    if (last !== null) this.state.nextPeriodicAt = Math.max(now, last + this.state.intervalMs);
    this.wake();
  }

  setEnabled(enabled: boolean): void {
    this.state.enabled = enabled;
    if (enabled && this.state.ready && this.state.nextPeriodicAt === null) {
      this.state.nextPeriodicAt = this.opts.clock.now() + this.state.intervalMs;
    }
    this.wake();
  }

  /** A sync now, also while disabled; joins the one that is running. */
  force(): Promise<T> {
    if (this.current) return this.current;
    if (!this.state.ready) return Promise.reject(new RadioNotReadyError("the radio is not connected"));
    return this.execute("forced");
  }

  /**
   * The sync under way is over as far as its figures go (its dump is merged, or it failed),
   * though its run has not returned yet: the next sync is set now, so the figures published at
   * this moment show it (`next_sync`). Counts once per sync; the run's end does not set it again.
   */
  settle(ok: boolean): void {
    if (!this.state.running || this.settled !== null) return;
    this.applyOutcome(ok);
  }

  /** Settles once the sync under way now (if any) has ended; never rejects. */
  async idle(): Promise<void> {
    await this.current?.catch(() => undefined);
  }

  /** Asks for an on-demand sync; a flood of requests coalesces into at most one pending. */
  requestOnDemand(): void {
    this.state.onDemandPending = true;
    this.wake();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const decision = decide(this.state, this.opts.clock.now());
      if (decision.action === "sync") {
        await this.execute(decision.reason).catch(() => undefined);
        continue;
      }
      await this.wakeup.until(decision.until, signal);
    }
  }

  private execute(reason: SyncReason): Promise<T> {
    const now = this.opts.clock.now();
    this.state.running = true;
    this.settled = null;
    if (reason === "on_demand" || this.state.onDemandPending) {
      this.state.onDemandPending = false;
      // Also when a forced or periodic sync served the pending request: it counts.
      this.onDemandLimit.record(now);
    }
    const signal = this.loop.signal ?? new AbortController().signal;
    const promise = this.opts
      .run(reason, signal)
      .then(
        (result) => {
          if (this.settled !== true) this.applyOutcome(true);
          return result;
        },
        (err: unknown) => {
          if (this.settled !== false) this.applyOutcome(false);
          throw err;
        },
      )
      .finally(() => {
        this.state.running = false;
        this.current = null;
        this.wake();
      });
    this.current = promise;
    return promise;
  }

  /** After a sync: the next one an interval later, or after a failure sooner, backing off. */
  private applyOutcome(ok: boolean): void {
    this.settled = ok;
    this.state.failures = ok ? 0 : this.state.failures + 1;
    const delay = ok ? this.state.intervalMs : retryDelay(this.state.failures, this.state.intervalMs);
    this.state.nextPeriodicAt = this.opts.clock.now() + delay;
  }

  private wake(): void {
    this.wakeup.now();
  }
}
