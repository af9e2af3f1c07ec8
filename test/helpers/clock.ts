// A clock tests move by hand. Sleepers wake when advance() passes their deadline.
import type { Clock } from "../../src/timing/clock.js";

interface Sleeper {
  at: number;
  resolve: () => void;
}

export class ManualClock implements Clock {
  private sleepers: Sleeper[] = [];

  constructor(private current = 1_800_000_000_000) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const sleeper: Sleeper = { at: this.current + Math.max(0, ms), resolve };
      if (signal.aborted) return resolve();
      signal.addEventListener("abort", () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        resolve();
      }, { once: true });
      this.sleepers.push(sleeper);
    });
  }

  /** Moves time forward, waking every sleeper whose deadline passed, then lets them run. */
  async advance(ms: number): Promise<void> {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.at <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.at > this.current);
    for (const s of due) s.resolve();
    await flush();
  }

  get pendingSleepers(): number {
    return this.sleepers.length;
  }
}

/** Lets queued promise callbacks run (a few macrotask turns). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
