// Persistence of the key directory to one JSON file (store-format.ts), crash-safe:
// write <path>.tmp-<pid>, fsync it, rename it over the target, fsync the directory. A
// reader therefore sees the old file or the new one, never a mix, whatever kills us.
// Writes are coalesced: the first change starts a wait of debounceMs, every change until it
// ends rides along (so a busy directory is still written at least every debounceMs). One
// cancellable loop over an injectable clock does the waiting, and the retries after a
// failed write.
import { EventEmitter } from "node:events";
import { readFile, rename } from "node:fs/promises";
import { backoff } from "../timing/backoff.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import type { KeyRecord } from "./record.js";
import { removeStaleTemps, writeAtomically, type CrashPoint } from "./store-file.js";
import { parseStore, serializeRecords, StoreCorruptError, StoreVersionError } from "./store-format.js";

export { StoreVersionError, StoreCorruptError } from "./store-format.js";
export type { CrashPoint } from "./store-file.js";

/** What the store persists: KeyDirectory satisfies it. */
export interface StoreSource {
  snapshot(): readonly Readonly<KeyRecord>[];
  on(event: "dirty", listener: () => void): unknown;
  off(event: "dirty", listener: () => void): unknown;
}

export interface KeyStoreOptions {
  /** null: memory only (demo mode): load() is empty and nothing is ever written. */
  path: string | null;
  /** Delay between the first unsaved change and the write. Default 1000 ms. */
  debounceMs?: number;
  /** The debounce and the retry waits run on it, so tests end them by hand. Default: the system clock. */
  clock?: Clock;
  /** Epoch milliseconds, for saved_at and the name of a corrupt file moved aside. Default: the clock's. */
  nowMs?: () => number;
  /** Test hook, awaited at each point of a write (see test/directory/store-crash.test.ts). */
  crashPoint?: (point: CrashPoint) => void | Promise<void>;
}

export interface LoadResult {
  records: KeyRecord[];
  /** Set when the file was unreadable and moved aside; the caller logs it as a warning. */
  warning: string | null;
  movedTo: string | null;
}

export interface StoreEvents {
  /** A background (debounced) write failed; the old file is intact and the write is retried (doubling delay, at most a minute apart). */
  writeFailed: [Error];
  written: [];
}

const noop = (): void => undefined;

/** Longest wait between retries of a failing background write. */
const RETRY_MAX_MS = 60_000;

export class KeyStore extends EventEmitter<StoreEvents> {
  private source: StoreSource | null = null;
  private readonly onDirty = (): void => this.markDirty();
  private dirty = false;
  /** A write is due after `ms` (the debounce, or a retry's backoff); null: none is. */
  private due: { ms: number } | null = null;
  /** Ends the wait for `due` early: flush() writes at once instead. */
  private waiting: AbortController | null = null;
  private readonly loop = new Loop();
  private readonly clock: Clock;
  private writing: Promise<void> | null = null;
  /** Set by a newer-version file: such a file is never overwritten. */
  private refused: StoreVersionError | null = null;
  /** The error of the last failed write, null once a write succeeds. */
  lastError: Error | null = null;
  /** Background writes failed in a row (sets the retry delay). */
  private failures = 0;

  constructor(private readonly options: KeyStoreOptions) {
    super();
    this.clock = options.clock ?? systemClock;
  }

  get path(): string | null {
    return this.options.path;
  }

  /**
   * Reads the file. Missing → empty. Newer version → throws StoreVersionError (and this
   * store refuses to write). Unreadable → moved to <path>.corrupt-<time>, empty, warning.
   */
  async load(): Promise<LoadResult> {
    const path = this.options.path;
    if (path === null) return { records: [], warning: null, movedTo: null };
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      await removeStaleTemps(path); // a first write killed before its rename
      return { records: [], warning: null, movedTo: null };
    }
    try {
      const records = parseStore(text, path);
      await removeStaleTemps(path);
      return { records, warning: null, movedTo: null };
    } catch (error) {
      if (error instanceof StoreVersionError) this.refused = error;
      if (!(error instanceof StoreCorruptError)) throw error;
      const stamp = new Date(this.nowMs()).toISOString().replace(/[:.]/g, "-");
      const movedTo = `${path}.corrupt-${stamp}`;
      await rename(path, movedTo);
      const warning = `key store ${path} is unreadable (${error.message}); moved it to ${movedTo} and started with an empty key directory`;
      return { records: [], warning, movedTo };
    }
  }

  /** Persists `source` from now on, on every "dirty". */
  attach(source: StoreSource): void {
    this.detach();
    this.source = source;
    source.on("dirty", this.onDirty);
  }

  detach(): void {
    this.source?.off("dirty", this.onDirty);
  }

  /** Notes an unsaved change and starts the debounce (unless a write is running: it starts after). */
  markDirty(): void {
    if (this.options.path === null) return;
    this.dirty = true;
    if (this.writing === null) this.writeAfter(this.debounceMs());
  }

  /** Writes now if anything is unsaved; resolves once it is durable, rejects if the write failed. */
  async flush(): Promise<void> {
    this.cancelWait();
    await this.writeNow();
  }

  /** Stops listening and writes what is unsaved. */
  async stop(): Promise<void> {
    this.detach();
    try {
      await this.flush();
    } finally {
      this.source = null;
      await this.loop.stop();
    }
  }

  private nowMs(): number {
    return this.options.nowMs?.() ?? this.clock.now();
  }

  private debounceMs(): number {
    return this.options.debounceMs ?? 1000;
  }

  /** Has the loop write after `ms`, unless a write is already due. */
  private writeAfter(ms: number): void {
    if (this.due !== null) return;
    this.due = { ms };
    this.loop.start((signal) => this.run(signal));
  }

  private cancelWait(): void {
    this.due = null;
    this.waiting?.abort();
  }

  /** Waits for each due write and runs it; returns when none is due (writeAfter starts it again). */
  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && this.due !== null) {
      const due = this.due;
      const waiting = new AbortController();
      this.waiting = waiting;
      const stop = (): void => waiting.abort();
      signal.addEventListener("abort", stop, { once: true });
      await this.clock.sleep(due.ms, waiting.signal);
      signal.removeEventListener("abort", stop);
      this.waiting = null;
      if (this.due !== due || waiting.signal.aborted) continue; // flushed or stopped meanwhile
      this.due = null;
      try {
        await this.writeNow();
      } catch (error) {
        this.emit("writeFailed", error as Error);
        // Retry by itself, or a key learned once before the disk failed would wait for the
        // next change (maybe never): with a doubling delay, so a dead disk is not hammered.
        this.failures += 1;
        if (!this.refused) this.writeAfter(backoff(this.failures, this.debounceMs(), RETRY_MAX_MS));
      }
    }
  }

  private async writeNow(): Promise<void> {
    while (this.writing) await this.writing.then(noop, noop);
    const path = this.options.path;
    if (!this.dirty || path === null || this.source === null) return;
    if (this.refused) throw this.refused;
    // The snapshot is taken now: whatever changed before flush() was called is in it.
    this.dirty = false;
    const attempt = writeAtomically(path, serializeRecords(this.source.snapshot(), Math.floor(this.nowMs() / 1000)), this.options.crashPoint);
    this.writing = attempt;
    try {
      await attempt;
      this.lastError = null;
      this.failures = 0;
    } catch (error) {
      // Keep it unsaved: the retry (for a write of the loop), the next change or flush tries again.
      this.dirty = true;
      this.lastError = error as Error;
      throw error;
    } finally {
      this.writing = null;
    }
    this.emit("written");
    // Changes made while the file was being written wait for the next debounce.
    if (this.dirty) this.writeAfter(this.debounceMs());
  }
}
