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

/**
 * A clock whose sleeps wait until the test ends them (`nextSleep()` hands them out in
 * order), so a test sees every wait a loop asks for and decides when time has passed.
 */
export class HeldClock implements Clock {
  private readonly held: Array<{ ms: number; end: () => void }> = [];
  private wake: (() => void) | null = null;

  now(): number {
    return Date.now();
  }

  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const sleep = { ms, end: resolve };
      signal.addEventListener("abort", () => {
        const i = this.held.indexOf(sleep);
        if (i >= 0) this.held.splice(i, 1);
        resolve();
      }, { once: true });
      this.held.push(sleep);
      this.wake?.();
    });
  }

  /** The next sleep asked for (waiting for it if need be); call end() to let it finish. */
  async nextSleep(ceilingMs = 20_000): Promise<{ ms: number; end: () => void }> {
    const deadline = Date.now() + ceilingMs;
    while (this.held.length === 0) {
      if (Date.now() > deadline) throw new Error(`no sleep within ${ceilingMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    return this.held.shift()!;
  }

  /** Sleeps asked for and not yet handed out. */
  get waiting(): number {
    return this.held.length;
  }
}
