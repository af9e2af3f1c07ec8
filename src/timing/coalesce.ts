// Republishing a whole state on change without flooding: a burst of changes becomes at most
// one run per `gapMs`, and the last change always gets a run after it (trailing edge), so
// the published state ends up current. The first change after a quiet spell runs at once:
// a dashboard sees a lone change without waiting. SlidingLimit cannot do this: it refuses
// the surplus, and here the surplus is exactly what must get out last.
import type { Clock } from "./clock.js";
import { Loop } from "./loop.js";

export interface CoalescerOptions {
  clock: Clock;
  /** The least time between the starts of two runs. */
  gapMs: number;
  run: () => void;
  /** A run that threw: reported, and the loop goes on. */
  onError: (error: unknown) => void;
}

export class Coalescer {
  private dirty = false;
  private wake: (() => void) | null = null;
  private readonly loop = new Loop();

  constructor(private readonly opts: CoalescerOptions) {}

  start(): void {
    this.loop.start((signal) => this.body(signal));
  }

  /** Something changed: a run follows, at once or when the gap since the last one has passed. */
  poke(): void {
    this.dirty = true;
    this.release();
  }

  /** Ends the loop; a change still waiting for its run gets it now rather than being lost. */
  async stop(): Promise<void> {
    await this.loop.stop(() => this.release());
    if (this.dirty) this.runOnce();
  }

  private release(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private async body(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // Always a turn of the microtask queue first: the rest of a synchronous burst (one
      // announcement of many nodes) lands before the run, so the burst is one run.
      if (this.dirty) await Promise.resolve();
      else await new Promise<void>((resolve) => (this.wake = resolve));
      if (signal.aborted) return;
      this.runOnce();
      await this.opts.clock.sleep(this.opts.gapMs, signal);
    }
  }

  private runOnce(): void {
    this.dirty = false;
    try {
      this.opts.run();
    } catch (error) {
      this.opts.onError(error);
    }
  }
}
