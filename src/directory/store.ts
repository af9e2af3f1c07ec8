// Persistence of the key directory, durable before announced: the directory hands every
// change to persist() and announces it only when the returned promise resolves, i.e. once
// the change is written and fsynced. A change costs one journal line (store-format.ts), not
// a rewrite of the whole directory; the journal is folded into the JSON snapshot
// (compaction) when it grows past the snapshot's size, so the files stay within about twice
// the directory's size and a change's amortised cost stays proportional to the change.
// One background loop writes: urgent changes (anything announced) at most every batchMs, in
// one fsync per batch; changes nobody announces (a lastSeen) lazily, every lazyMs.
// The runtime settings set over MQTT ride in the same files (saveSettings), so one
// durability mechanism serves both.
import { EventEmitter } from "node:events";
import { backoff } from "../timing/backoff.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import { StoreUnsavedError, type KeyStoreOptions, type LoadResult, type StoreEvents, type StoreSource } from "./store-api.js";
import { checkStoreFile, checkStorePath, noCrash, removeStaleTemps, resolveStorePath, type CrashHook } from "./store-files.js";
import { NO_SETTINGS, type SettingsDocument } from "./store-format.js";
import { StoreLock } from "./store-lock.js";
import { openStoreFiles } from "./store-salvage.js";
import { StoreWriter } from "./store-writer.js";

export { StoreVersionError, StoreCorruptError, StoreForeignError, type SettingsDocument } from "./store-format.js";
export { StorePathError, type CrashPoint } from "./store-files.js";
export { StoreLockedError } from "./store-lock.js";
export { StoreUnsavedError, type KeyStoreOptions, type LoadResult, type StoreEvents, type StoreSource, type StoreWritten } from "./store-api.js";

/** The shared backoff, from half a second to a minute: a dead disk is retried, never hammered. */
const defaultRetryDelay = (attempt: number): number => backoff(attempt - 1, 500, 60_000);

export class KeyStore extends EventEmitter<StoreEvents> {
  private readonly clock: Clock;
  private readonly hook: CrashHook;
  private readonly loop = new Loop();
  private source: StoreSource | null = null;
  /** Set by load(): the files, as far as this store writes them. */
  private writer: StoreWriter | null = null;
  /** Held from load() to stop(): this process alone writes these files. */
  private lock: StoreLock | null = null;
  private pending = new Set<number>();
  private waiters: (() => void)[] = [];
  private urgent = false;
  private lazySince: number | null = null;
  private lastWriteAt = -Infinity;
  private wake: (() => void) | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  /** The settings as the files hold them (or will, once the write under way is done). */
  private settings: SettingsDocument = NO_SETTINGS;
  /** The error of the last failed write, null once a write succeeds. */
  lastError: Error | null = null;

  constructor(private readonly options: KeyStoreOptions) {
    super();
    this.clock = options.clock ?? systemClock;
    this.hook = options.crashPoint ?? noCrash;
  }

  get path(): string | null {
    return this.options.path;
  }

  /** Changed nodes not yet on disk. */
  get unsaved(): number {
    return this.pending.size;
  }

  /**
   * Checks store.path (StorePathError; not a key store: StoreForeignError, untouched), takes
   * the lock until stop() (StoreLockedError), reads the files (store-salvage.ts).
   */
  async load(): Promise<LoadResult> {
    const path = this.options.path;
    if (path === null) return { records: [], settings: NO_SETTINGS, warning: null, movedTo: null, keptAside: [], skipped: { nodes: 0, lines: 0 } };
    const target = await resolveStorePath(path);
    await checkStorePath(path, target);
    await checkStoreFile(path, target);
    this.lock = await StoreLock.acquire(target, path);
    try {
      await removeStaleTemps(target); // a write killed before its rename
      const stamp = new Date(this.clock.now()).toISOString().replace(/[:.]/g, "-");
      const opened = await openStoreFiles(target, path, stamp);
      this.writer = new StoreWriter(target, this.hook, this.options.compactMinBytes ?? 256 * 1024, opened.seq, opened.compact);
      this.settings = opened.result.settings;
      return opened.result;
    } catch (error) {
      await this.releaseLock();
      throw error;
    }
  }

  /** Persists `source` from now on (after load()); a needed compaction (e.g. migration) runs at once. */
  start(source: StoreSource): void {
    this.source = source;
    if (this.writer === null) return;
    this.loop.start((signal) => this.run(signal));
  }

  /**
   * Records that these nodes changed. The promise resolves once they are durable (never
   * rejects: while the disk fails it waits, and the change is never announced). `urgent`:
   * something will announce the change, so it goes out in the next batch.
   */
  persist(nums: Iterable<number>, urgent: boolean): Promise<void> {
    if (this.writer === null) return Promise.resolve();
    for (const num of nums) this.pending.add(num);
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (urgent) {
      this.urgent = true;
      this.wake?.();
    } else if (this.lazySince === null) {
      this.lazySince = this.clock.now();
      this.wake?.(); // an idle loop learns its deadline
    }
    return done;
  }

  /**
   * Replaces the settings kept with the directory, in a write of its own (with whatever nodes
   * are pending): resolves once they are durable; rejects if that write fails, and then the
   * files keep the settings they had, so a setting is never claimed saved that is not. The
   * background loop's retries do not apply: the caller answers someone now. Memory only: at once.
   */
  async saveSettings(settings: SettingsDocument): Promise<void> {
    if (this.writer === null) {
      this.settings = settings;
      return;
    }
    if (this.source === null) throw new Error("the key store is not running");
    await this.exclusive(async () => {
      const before = this.settings;
      this.settings = settings;
      try {
        await this.write(false, true);
      } catch (error) {
        // The failed write left the writer due for a compaction, which writes these back:
        // the loop takes it up (and retries it, reporting the disk's trouble).
        this.settings = before;
        this.wake?.();
        throw error;
      }
    });
  }

  /** Writes what is unsaved now; rejects if the write failed (tests, and the final write). */
  async flush(): Promise<void> {
    if (this.writer === null || this.source === null) return;
    if (this.pending.size === 0 && !this.writer.compactionDue) return;
    await this.exclusive(() => this.write(true));
  }

  /** Stops the loop and writes what is unsaved; throws StoreUnsavedError naming how much was lost. */
  async stop(): Promise<void> {
    await this.loop.stop(() => this.wake?.());
    try {
      // Nothing unsaved: nothing to do (a migration not done yet is done at the next start).
      if (this.pending.size > 0) await this.flush();
    } catch (error) {
      throw new StoreUnsavedError(this.pending.size, this.options.path ?? "", error as Error);
    } finally {
      await this.writer?.close();
      this.source = null;
      await this.releaseLock();
    }
  }

  private async releaseLock(): Promise<void> {
    const lock = this.lock;
    this.lock = null;
    await lock?.release();
  }

  private async run(signal: AbortSignal): Promise<void> {
    await this.exclusive(() => (this.writer as StoreWriter).reopen());
    let attempt = 0;
    while (!signal.aborted) {
      const wait = this.nextWriteIn();
      if (wait === null || wait > 0) {
        await this.nap(wait, signal);
        continue;
      }
      try {
        await this.exclusive(() => this.write(false));
        attempt = 0;
      } catch (error) {
        attempt += 1;
        this.emit("writeFailed", error as Error);
        await this.clock.sleep(this.retryDelay(attempt), signal);
      }
    }
  }

  /** The one place the retry wait is chosen (to be pointed at the shared backoff). */
  private retryDelay(attempt: number): number {
    return (this.options.retryDelayMs ?? defaultRetryDelay)(attempt);
  }

  /** ms until the next write is due; null when there is nothing to write. */
  private nextWriteIn(): number | null {
    const now = this.clock.now();
    if (this.urgent || this.writer?.compactionDue) return Math.max(0, this.lastWriteAt + (this.options.batchMs ?? 20) - now);
    if (this.lazySince !== null) return Math.max(0, this.lazySince + (this.options.lazyMs ?? 5000) - now);
    return null;
  }

  /** Sleeps `ms` (null: until woken), waking early when an urgent change arrives or the loop stops. */
  private async nap(ms: number | null, signal: AbortSignal): Promise<void> {
    const early = new AbortController();
    const onAbort = (): void => early.abort();
    signal.addEventListener("abort", onAbort, { once: true });
    this.wake = onAbort;
    try {
      if (ms === null) await new Promise<void>((resolve) => early.signal.addEventListener("abort", () => resolve(), { once: true }));
      else await this.clock.sleep(ms, early.signal);
    } finally {
      this.wake = null;
      signal.removeEventListener("abort", onAbort);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** One batch: a journal append, or a compaction that covers everything. */
  private async write(final: boolean, settingsChanged = false): Promise<void> {
    const writer = this.writer as StoreWriter;
    // Decided now, not when queued: a write queued behind another may find nothing left.
    if (this.pending.size === 0 && !writer.compactionDue && !settingsChanged) return;
    const nums = this.pending;
    const waiters = this.waiters;
    const hadUrgent = this.urgent;
    const lazySince = this.lazySince;
    this.pending = new Set();
    this.waiters = [];
    this.urgent = false;
    this.lazySince = null;
    this.lastWriteAt = this.clock.now();
    const began = this.clock.now();
    try {
      const settings = { doc: this.settings, changed: settingsChanged };
      await writer.write(this.source as StoreSource, nums, settings, Math.floor(this.clock.now() / 1000), final);
    } catch (error) {
      for (const num of nums) this.pending.add(num);
      this.waiters = [...waiters, ...this.waiters];
      this.urgent ||= hadUrgent;
      this.lazySince = lazySince ?? this.lazySince;
      this.lastError = error as Error;
      throw error;
    }
    // Whichever write works first after failures (the loop's retry or a saveSettings) says so.
    const recovered = this.lastError !== null;
    this.lastError = null;
    for (const resolve of waiters) resolve();
    this.emit("written", { ms: this.clock.now() - began, journalBytes: writer.journalBytes });
    if (recovered) this.emit("recovered");
  }
}
