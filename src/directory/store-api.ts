// The key store's public shapes: its options, what load() returns, its events and the error
// of a final write that failed. store.ts is the store itself.
import type { Clock } from "../timing/clock.js";
import type { KeyRecord } from "./record.js";
import type { CrashHook } from "./store-files.js";
import type { SettingsDocument } from "./store-format.js";
import type { RecordSource } from "./store-writer.js";

/** What the store persists: KeyDirectory satisfies it. */
export type StoreSource = RecordSource;

export interface KeyStoreOptions {
  /** null: memory only (demo mode): load() is empty and nothing is ever written. */
  path: string | null;
  clock?: Clock;
  /** Least time between two batches. Default 20 ms. */
  batchMs?: number;
  /** How long a change nobody announces may wait. Default 5,000 ms. */
  lazyMs?: number;
  /** The wait before retry `attempt` (1, 2, ...) of a failing write. */
  retryDelayMs?: (attempt: number) => number;
  /** The journal is compacted once it is larger than the snapshot and than this. Default 256 KiB. */
  compactMinBytes?: number;
  /** Test hook, awaited at each point of a write (see test/directory/store-crash.test.ts). */
  crashPoint?: CrashHook;
}

export interface LoadResult {
  records: KeyRecord[];
  /** The settings last saved with saveSettings (empty: none). */
  settings: SettingsDocument;
  /** Set when a file, or part of one, was unreadable and set aside; the caller logs it as a warning. */
  warning: string | null;
  /** The snapshot's new name when it was unreadable as a whole (the store then starts empty). */
  movedTo: string | null;
  /** Every file set aside: moved (a snapshot unreadable as a whole, its journal) or copied (a file with bad parts). */
  keptAside: string[];
  /** Snapshot nodes and journal entries left out, each alone. */
  skipped: { nodes: number; lines: number };
}

/** One durable write, for the metrics: how long it took and the journal it left. */
export interface StoreWritten {
  ms: number;
  journalBytes: number;
}

export interface StoreEvents {
  /** A background write failed; the files on disk are intact and the write is retried. */
  writeFailed: [Error];
  written: [StoreWritten];
  /** A write succeeded after failures: lastError is null again. */
  recovered: [];
}

/** The final write at stop failed: `unsaved` changed nodes are not on disk. */
export class StoreUnsavedError extends Error {
  override readonly name = "StoreUnsavedError";
  constructor(
    readonly unsaved: number,
    path: string,
    cause: Error,
  ) {
    super(`${unsaved} changed node${unsaved === 1 ? "" : "s"} of the key directory could not be saved to ${path}: ${cause.message}`);
  }
}
