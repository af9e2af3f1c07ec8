// Reading the store back: the snapshot, then the journal entries written after it. Used by
// the bridge at start and by `export` (which must not change anything on disk).
import { readFile } from "node:fs/promises";
import type { KeyRecord } from "./record.js";
import { NO_SETTINGS, parseJournalHeader, parseJournalLine, parseSnapshot, STORE_VERSION, StoreCorruptError, StoreVersionError, type SettingsDocument, type Snapshot } from "./store-format.js";

export interface StoredDirectory {
  records: KeyRecord[];
  /** The runtime settings last saved (store-format.ts SettingsDocument). */
  settings: SettingsDocument;
  /** The journal id the files continue, and the last seq applied; new entries follow it. */
  journalId: string | null;
  seq: number;
  /**
   * Not exactly "a current snapshot and its own journal": an older version to migrate, a
   * journal to fold in, a stale or torn journal. The bridge then compacts before anything else.
   */
  compact: boolean;
  /** Snapshot nodes left out, one message each (the file's other nodes are in `records`). */
  badNodes: string[];
  /**
   * Journal lines left out, one message each, or the journal as a whole when its header is
   * unreadable. A torn last line (a crash mid-append, never acknowledged) is not a problem.
   */
  badLines: string[];
  /** Journal lines applied on top of the snapshot. */
  applied: number;
}

export function journalPath(target: string): string {
  return `${target}.journal`;
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/**
 * `target` is the resolved file (symlinks followed), `shown` the name the user gave. Throws
 * StoreForeignError (not a key store at all), StoreVersionError (newer files) and
 * StoreCorruptError (a snapshot of ours whose shape is unreadable); bad nodes and journal lines
 * are left out alone and listed.
 */
export async function readStore(target: string, shown: string): Promise<StoredDirectory> {
  const text = await readOptional(target);
  const snapshot: Snapshot = text === null ? { version: STORE_VERSION, bad: [], journal: null, records: [], settings: NO_SETTINGS } : parseSnapshot(text, shown);
  const records = new Map(snapshot.records.map((r) => [r.num, r]));
  // An older version is rewritten at once (its journal too): an older bridge then refuses the
  // files instead of reading lines it does not know as torn ones.
  const migrate = snapshot.version < STORE_VERSION;
  const out: StoredDirectory = { records: [], settings: snapshot.settings, journalId: null, seq: snapshot.journal?.seq ?? 0, compact: text === null || migrate || snapshot.bad.length > 0, badNodes: snapshot.bad, badLines: [], applied: 0 };
  const journal = await readOptional(journalPath(target));
  const lines = journal === null ? [] : journal.split("\n");
  let id: string | null = null;
  if (journal !== null) {
    try {
      id = parseJournalHeader(lines[0] ?? "", `${shown}.journal`);
    } catch (error) {
      if (error instanceof StoreVersionError) throw error;
      out.badLines.push(`its first line is unreadable (${(error as Error).message}), so none of its changes after the last snapshot apply`);
    }
  }
  if (id !== null && snapshot.journal !== null && id === snapshot.journal.id) {
    out.journalId = id;
    for (let at = 1; at < lines.length; at++) {
      const line = lines[at] as string;
      if (line === "" && at === lines.length - 1) break;
      let entry;
      try {
        entry = parseJournalLine(line);
      } catch (error) {
        if (!(error instanceof StoreCorruptError)) throw error;
        out.compact = true;
        // The last line torn by a crash (no newline after it) was never acknowledged:
        // dropping it is the design. Any other bad line was not written by a crash (a torn
        // batch is never appended to): it is left out alone, since every line is a whole
        // record, and the lines after it still apply.
        if (at < lines.length - 1) out.badLines.push(`line ${at + 1}: ${error.message}`);
        continue;
      }
      if (entry.seq <= out.seq) continue;
      out.seq = entry.seq;
      out.applied++;
      if ("node" in entry) records.set(entry.node.num, entry.node);
      else if ("settings" in entry) out.settings = entry.settings;
      else records.delete(entry.forget);
    }
  } else if (journal !== null || snapshot.journal !== null) {
    // A journal of an older snapshot (compaction stopped before replacing it), or none where
    // the snapshot expects one: the snapshot holds everything that counts. Start a new one.
    out.compact = true;
  }
  if (out.applied > 0 || journal === null) out.compact = true;
  out.records = [...records.values()];
  return out;
}
