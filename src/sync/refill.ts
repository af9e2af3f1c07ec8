// Putting the keys back into a radio that lost its NodeDB (nodedb-emptied.ts): every key goes
// through the push policy's automatic path (KeyPusher.fill), so a refill obeys the same rules
// and the same push.max_per_hour as every other push; it stops where that limit refuses and
// leaves the rest to the paths that fill a key when it is needed (a DM). Runs in the
// background: the sync that found the radio empty answers at once.
import type { KeyDirectory } from "../directory/keys.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { Radio } from "../radio/link.js";
import { refillOrder } from "./nodedb-emptied.js";
import type { KeyPusher } from "./push.js";

/** What the manager drives: begin at an emptying, hear about listing dumps, stop with it. */
export interface RefillPort {
  /** Starts a refill in the background; true when one runs (push on and keys to put back). */
  begin(): boolean;
  /** A dump listed the NodeDB (its changes are in the directory): nodes it shows are not pushed; none missing ends the refill. */
  listed(): void;
  stop(): Promise<void>;
}

export interface RefillOptions {
  pusher: Pick<KeyPusher, "enabled" | "fill" | "atLimit">;
  directory: Pick<KeyDirectory, "get" | "snapshot">;
  radio: Pick<Radio, "status" | "info">;
  /** Node numbers put back first (homeassistant.watch: the nodes the user follows). */
  watch: ReadonlySet<number>;
  log?: LogPort;
}

export class NodeDbRefill implements RefillPort {
  private readonly log: LogPort;
  private current: { queue: number[]; abort: AbortController; done: Promise<void> } | null = null;

  constructor(private readonly opts: RefillOptions) {
    this.log = opts.log ?? silentLog;
  }

  /** The refill under way, if any: settles when it has ended (for tests and stop). */
  get running(): Promise<void> | null {
    return this.current?.done ?? null;
  }

  begin(): boolean {
    if (!this.opts.pusher.enabled) return false;
    const queue = refillOrder(this.opts.directory.snapshot(), this.opts.watch, this.opts.radio.info?.myNodeNum ?? null);
    if (queue.length === 0) return false;
    // A second emptying while one runs: one refill, over the new list.
    this.current?.abort.abort();
    const abort = new AbortController();
    const run = { queue, abort, done: Promise.resolve() };
    run.done = this.fillAll(queue, abort.signal)
      .catch((err: unknown) => this.log.warn({ err: (err as Error).message }, "the refill of the radio's NodeDB failed"))
      .finally(() => {
        if (this.current === run) this.current = null;
      });
    this.current = run;
    this.log.info({ keys: queue.length }, `refilling the radio's NodeDB: ${queue.length} keys to put back`);
    return true;
  }

  listed(): void {
    const run = this.current;
    if (!run || this.missing(run.queue, 0) > 0) return;
    this.log.info({}, "the radio's NodeDB holds the refilled nodes again: refill ended");
    run.abort.abort();
  }

  async stop(): Promise<void> {
    const run = this.current;
    if (!run) return;
    run.abort.abort();
    await run.done;
  }

  private async fillAll(queue: number[], signal: AbortSignal): Promise<void> {
    const { pusher, radio } = this.opts;
    let filled = 0;
    for (let i = 0; i < queue.length; i++) {
      if (signal.aborted) return;
      const num = queue[i] as number;
      // A dump since the start shows it back (heard again, or an earlier fill): nothing to do.
      if (this.opts.directory.get(num)?.inRadio !== false) continue;
      const stopped = radio.status.state !== "connected" ? "the radio is not connected" : null;
      const refused = stopped ?? (await pusher.fill(num));
      if (refused === null) {
        filled += 1;
        continue;
      }
      if (stopped !== null || pusher.atLimit) {
        const left = this.missing(queue, i);
        const why = stopped ?? "push.max_per_hour reached";
        this.log.warn({ filled, left }, `refill of the radio's NodeDB stopped (${why}): ${filled} keys put back, ${left} left; they are filled when a DM needs them, or with the push command`);
        return;
      }
    }
    if (!signal.aborted) this.log.info({ filled }, `refill of the radio's NodeDB done: ${filled} keys put back`);
  }

  /** Nodes from `from` on that the radio still lacks, as the directory knows. */
  private missing(queue: readonly number[], from: number): number {
    let left = 0;
    for (let i = from; i < queue.length; i++) if (this.opts.directory.get(queue[i] as number)?.inRadio === false) left++;
    return left;
  }
}
