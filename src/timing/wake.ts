// How a loop waits for its next turn: until a time on the injected clock, or until someone
// pokes it (new work, an answer), or until its signal aborts, whichever comes first. The
// scheduler and the pacer both wait this way.
import type { Clock } from "./clock.js";

export class Wake {
  private poke: (() => void) | null = null;

  constructor(private readonly clock: Clock) {}

  /** Resolves at `at` (epoch ms; null or Infinity: no time, only a poke or the abort), on a poke, or when `signal` aborts. */
  async until(at: number | null, signal: AbortSignal): Promise<void> {
    const sleeper = new AbortController();
    const onAbort = (): void => sleeper.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    const waits: Promise<void>[] = [new Promise<void>((resolve) => (this.poke = resolve))];
    if (at !== null && Number.isFinite(at)) waits.push(this.clock.sleep(at - this.clock.now(), sleeper.signal));
    await Promise.race(waits);
    sleeper.abort();
    signal.removeEventListener("abort", onAbort);
    this.poke = null;
  }

  /** Ends the wait under way now, if any. */
  now(): void {
    this.poke?.();
  }
}
