// What counts as a sync and what it leaves behind. Every complete dump counts, one we asked for
// or one the radio delivered on its own (at a handshake), and so does a failed attempt: both
// must set the sync figures and settle the scheduler the same way, before the figures go out,
// so that stats show the next sync. Kept apart from the manager, which wires the radio and the
// directory to this and decides when else the figures go out.
import type { KeyDirectory } from "../directory/keys.js";
import type { LogPort } from "../log-port.js";
import type { NodeDbDump, Radio } from "../radio/link.js";
import type { Clock } from "../timing/clock.js";
import type { DumpMerge } from "./dump-merge.js";
import type { EngineEvent } from "./events.js";
import type { SyncReason, SyncScheduler } from "./scheduler.js";
import type { SyncCounters } from "./stats.js";

/** The `sync` command's answer. */
export interface SyncResult {
  checked: number;
  added: number;
  updated: number;
  duration_ms: number;
}

/** A temporary second connection's read of the NodeDB (strategy connection). */
export type NodeDbSource = (signal: AbortSignal) => Promise<NodeDbDump>;

export interface SyncRunOptions {
  radio: Radio;
  directory: KeyDirectory;
  clock: Clock;
  /** Defaults to the radio's nodes-only refresh on the connection it holds. */
  source?: NodeDbSource;
  scheduler: SyncScheduler<SyncResult>;
  dumps: DumpMerge;
  /** The manager's figures: a sync fills them; the manager's reportError sets last_error too. */
  counters: SyncCounters;
  log: LogPort;
  event: (event: EngineEvent) => void;
  publishStats: () => void;
}

export class SyncRun {
  /** A NodeDB download of ours is under way (stats `syncing`). */
  private downloading = false;
  /** The result of the last dump the radio delivered: what a requested refresh answers. */
  private lastResult: SyncResult | null = null;
  /** Settles when the last dump's changes are durable and announced: a sync answers after that. */
  private lastAnnounced: Promise<void> = Promise.resolve();

  constructor(private readonly opts: SyncRunOptions) {}

  get syncing(): boolean {
    return this.downloading;
  }

  /** The scheduler's run. */
  async run(reason: SyncReason, signal: AbortSignal): Promise<SyncResult> {
    const started = this.opts.clock.now();
    this.downloading = true;
    try {
      const { source } = this.opts;
      let result: SyncResult;
      if (source) {
        const dump = await source(signal);
        result = this.processDump(dump, this.opts.clock.now() - started);
        await this.lastAnnounced;
      } else {
        // The radio delivers the dump it read (or the one under way) on its `dump` event,
        // which delivered() has processed by the time this resolves.
        await this.opts.radio.requestNodeDb(signal);
        result = this.lastResult as SyncResult;
        await this.lastAnnounced;
      }
      this.opts.log.debug({ reason }, "sync done");
      return result;
    } catch (err) {
      this.downloading = false;
      this.failed(reason, (err as Error).message);
      throw err;
    }
  }

  /** A dump on the radio's `dump` event. */
  delivered(dump: NodeDbDump): void {
    this.lastResult = this.processDump(dump, dump.durationMs);
  }

  failed(reason: SyncReason, message: string): void {
    const { scheduler, counters } = this.opts;
    // A failed run of the scheduler: its retry is set before the figures show it.
    if (scheduler.running) scheduler.settle(false);
    counters.lastError = message;
    this.opts.log.warn({ reason, err: message }, "sync failed");
    this.opts.event({ type: "sync_failed", data: { reason: message } });
    this.opts.publishStats();
  }

  /** Merges one complete dump: this is what counts as a sync. */
  private processDump(dump: NodeDbDump, durationMs: number): SyncResult {
    const { scheduler, counters } = this.opts;
    this.downloading = false;
    const { counts, announced } = this.opts.dumps.merge(dump);
    this.lastAnnounced = announced;
    const { checked, added, updated } = counts ?? { checked: 0, added: 0, updated: 0 };
    const result: SyncResult = { checked, added, updated, duration_ms: Math.round(durationMs) };
    counters.syncCount += 1;
    counters.lastSyncAt = this.opts.clock.now();
    counters.lastDurationMs = durationMs;
    counters.lastError = null;
    this.opts.log.info(result, `sync: checked ${checked}, added ${added}, updated ${updated}, ${result.duration_ms} ms`);
    if (dump.kind === "handshake") scheduler.setReady(true);
    // A sync the scheduler runs ends here: its next one is set before the figures show it.
    else if (scheduler.running) scheduler.settle(true);
    // The figures count what was learned: out once the directory has announced it.
    if (counts && this.opts.directory.lastChangePending()) void this.lastAnnounced.then(() => this.opts.publishStats());
    else this.opts.publishStats();
    return result;
  }
}
