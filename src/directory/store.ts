// Persistence of the key directory to one JSON file (store-format.ts), crash-safe:
// write <path>.tmp-<pid>, fsync it, rename it over the target, fsync the directory. A
// reader therefore sees the old file or the new one, never a mix, whatever kills us.
// Writes are coalesced: the first change arms a timer, every change until it fires rides
// along (so a busy directory is still written at least every debounceMs).
import { EventEmitter } from "node:events";
import { open, readFile, readdir, rename, unlink, mkdir, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import type { KeyRecord } from "./record.js";
import { parseStore, serializeRecords, StoreCorruptError, StoreVersionError } from "./store-format.js";

export { StoreVersionError, StoreCorruptError } from "./store-format.js";

/** Where a write can be interrupted; the crash-safety test kills the process at each. */
export type CrashPoint = "tmp-partial" | "tmp-synced" | "renamed";

export interface StoreTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

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
  /** Injected so tests can fire the debounce by hand. Default: the global timers. */
  timers?: StoreTimers;
  /** Epoch milliseconds, for saved_at and the name of a corrupt file moved aside. */
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

const defaultTimers: StoreTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

const noop = (): void => undefined;

/** Longest wait between retries of a failing background write. */
const RETRY_MAX_MS = 60_000;

export class KeyStore extends EventEmitter<StoreEvents> {
  private source: StoreSource | null = null;
  private readonly onDirty = (): void => this.markDirty();
  private dirty = false;
  private timer: unknown = null;
  private writing: Promise<void> | null = null;
  /** Set by a newer-version file: such a file is never overwritten. */
  private refused: StoreVersionError | null = null;
  /** The error of the last failed write, null once a write succeeds. */
  lastError: Error | null = null;
  /** Background writes failed in a row (sets the retry delay). */
  private failures = 0;

  constructor(private readonly options: KeyStoreOptions) {
    super();
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

  /** Notes an unsaved change and arms the debounce timer (unless a write is running: it re-arms after). */
  markDirty(): void {
    if (this.options.path === null) return;
    this.dirty = true;
    if (this.timer === null && this.writing === null) this.schedule();
  }

  /** Writes now if anything is unsaved; resolves once it is durable, rejects if the write failed. */
  async flush(): Promise<void> {
    this.cancelTimer();
    await this.writeNow();
  }

  /** Stops listening and writes what is unsaved. */
  async stop(): Promise<void> {
    this.detach();
    try {
      await this.flush();
    } finally {
      this.source = null;
    }
  }

  private nowMs(): number {
    return this.options.nowMs?.() ?? Date.now();
  }

  private schedule(delayMs = this.options.debounceMs ?? 1000): void {
    this.timer = (this.options.timers ?? defaultTimers).setTimeout(() => {
      this.timer = null;
      this.writeNow().catch((error: unknown) => {
        this.emit("writeFailed", error as Error);
        // Retry by itself, or a key learned once before the disk failed would wait for the
        // next change (maybe never): with a doubling delay, so a dead disk is not hammered.
        this.failures += 1;
        if (this.timer === null && !this.refused) this.schedule(Math.min(RETRY_MAX_MS, (this.options.debounceMs ?? 1000) * 2 ** this.failures));
      });
    }, delayMs);
  }

  private cancelTimer(): void {
    if (this.timer === null) return;
    (this.options.timers ?? defaultTimers).clearTimeout(this.timer);
    this.timer = null;
  }

  private async writeNow(): Promise<void> {
    while (this.writing) await this.writing.then(noop, noop);
    const path = this.options.path;
    if (!this.dirty || path === null || this.source === null) return;
    if (this.refused) throw this.refused;
    // The snapshot is taken now: whatever changed before flush() was called is in it.
    this.dirty = false;
    const attempt = this.writeAtomically(path, serializeRecords(this.source.snapshot(), Math.floor(this.nowMs() / 1000)));
    this.writing = attempt;
    try {
      await attempt;
      this.lastError = null;
      this.failures = 0;
    } catch (error) {
      // Keep it unsaved: the next change or flush tries again. No timer of our own, so a
      // persistently failing disk is not hammered in a loop.
      this.dirty = true;
      this.lastError = error as Error;
      throw error;
    } finally {
      this.writing = null;
    }
    this.emit("written");
    if (this.dirty && this.timer === null) this.schedule();
  }

  private async writeAtomically(path: string, text: string): Promise<void> {
    const hook = this.options.crashPoint ?? noop;
    const data = Buffer.from(text, "utf8");
    const tmp = `${path}.tmp-${process.pid}`;
    await mkdir(dirname(path), { recursive: true });
    try {
      const handle = await open(tmp, "w");
      try {
        // Two halves, so a test can stop us with the temp file incomplete.
        await writeAll(handle, data.subarray(0, data.length >> 1));
        await hook("tmp-partial");
        await writeAll(handle, data.subarray(data.length >> 1));
        await handle.sync();
      } finally {
        await handle.close();
      }
      await hook("tmp-synced");
      await rename(tmp, path);
    } catch (error) {
      await unlink(tmp).catch(noop);
      throw error;
    }
    await hook("renamed");
    await syncDirectory(dirname(path));
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}

/** Makes the rename itself durable. Windows cannot open a directory for fsync; there, it is skipped. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Temp files left by a killed writer. A file of a live process (another instance?) is left alone. */
async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isSafeInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    await unlink(join(dir, name)).catch(noop);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
