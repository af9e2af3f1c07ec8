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
  /** Why part of the journal was not applied (a torn last line after a crash is silent). */
  journalProblem: string | null;
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
 * StoreVersionError (newer files) and StoreCorruptError (an unreadable snapshot).
 */
export async function readStore(target: string, shown: string): Promise<StoredDirectory> {
  const text = await readOptional(target);
  const snapshot: Snapshot = text === null ? { version: STORE_VERSION, journal: null, records: [], settings: NO_SETTINGS } : parseSnapshot(text, shown);
  const records = new Map(snapshot.records.map((r) => [r.num, r]));
  // An older version is rewritten at once (its journal too): an older bridge then refuses the
  // files instead of reading lines it does not know as torn ones.
  const migrate = snapshot.version < STORE_VERSION;
  const out: StoredDirectory = { records: [], settings: snapshot.settings, journalId: null, seq: snapshot.journal?.seq ?? 0, compact: text === null || migrate, journalProblem: null, applied: 0 };
  const journal = await readOptional(journalPath(target));
  const lines = journal === null ? [] : journal.split("\n");
  let id: string | null = null;
  if (journal !== null) {
    try {
      id = parseJournalHeader(lines[0] ?? "", `${shown}.journal`);
    } catch (error) {
      if (error instanceof StoreVersionError) throw error;
      out.journalProblem = `the journal ${shown}.journal is unreadable (${(error as Error).message}); changes after the last snapshot are lost`;
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
        // The last line torn by a crash was never acknowledged: dropping it is the design.
        const rest = lines.slice(at + 1).filter((l) => l !== "").length;
        if (rest > 0) out.journalProblem = `the journal ${shown}.journal has a corrupt line ${at + 1} (${error.message}); ${rest} later lines were not applied`;
        out.compact = true;
        break;
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
