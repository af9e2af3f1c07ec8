// Opening the store's files at start (under the lock): load what is good, keep what is bad.
// A bad node in the snapshot or a bad journal line is left out alone; since the compaction
// that follows rewrites both files without it, the original file is first copied aside
// (fsynced) as <file>.corrupt-<time>, so nothing is destroyed by being unreadable. Only a
// snapshot of ours whose whole shape is unreadable is moved aside, and the store starts empty.
// A file that is not a key store at all never gets here as anything but an error
// (StoreForeignError): it is not ours to move.
import { constants } from "node:fs";
import { copyFile, open, rename, stat } from "node:fs/promises";
import { dirname } from "node:path";
import type { LoadResult } from "./store-api.js";
import { syncDirectory } from "./store-files.js";
import { NO_SETTINGS, StoreCorruptError } from "./store-format.js";
import { journalPath, readStore } from "./store-read.js";

export interface OpenedStore {
  result: LoadResult;
  /** Where the writer continues: the last seq, and whether it must compact first. */
  seq: number;
  compact: boolean;
}

/** At most this many problems are spelled out in the warning; all are counted. */
const SHOWN = 3;

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

/** A name beside `file` that is free: <file>.corrupt-<stamp>, with -2, -3, ... if taken. */
async function asideName(file: string, stamp: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = `${file}.corrupt-${stamp}${n === 1 ? "" : `-${n}`}`;
    if (!(await exists(name))) return name;
  }
}

/** A durable copy of `file` aside; the original stays until the compaction replaces it. */
async function keepAside(file: string, stamp: string): Promise<string> {
  const copy = await asideName(file, stamp);
  await copyFile(file, copy, constants.COPYFILE_EXCL);
  const handle = await open(copy, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(dirname(copy));
  return copy;
}

function listed(problems: readonly string[]): string {
  const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : "";
  return `${problems.slice(0, SHOWN).join("; ")}${more}`;
}

/** `target` is the resolved file, `shown` the name the user gave, `stamp` the time for names. */
export async function openStoreFiles(target: string, shown: string, stamp: string): Promise<OpenedStore> {
  try {
    const stored = await readStore(target, shown);
    const warnings: string[] = [];
    const keptAside: string[] = [];
    if (stored.badNodes.length > 0) {
      const copy = await keepAside(target, stamp);
      keptAside.push(copy);
      const n = stored.badNodes.length;
      warnings.push(`key store ${shown}: ${n} unreadable node${n === 1 ? "" : "s"} left out (${listed(stored.badNodes)}); the other ${stored.records.length} loaded; the original file is kept as ${copy}`);
    }
    if (stored.badLines.length > 0) {
      const copy = await keepAside(journalPath(target), stamp);
      keptAside.push(copy);
      const n = stored.badLines.length;
      warnings.push(`the journal ${shown}.journal: ${n} unreadable entr${n === 1 ? "y" : "ies"} left out (${listed(stored.badLines)}); the other ${stored.applied} applied; the original journal is kept as ${copy}`);
    }
    const result: LoadResult = {
      records: stored.records,
      settings: stored.settings,
      warning: warnings.length > 0 ? warnings.join(". ") : null,
      movedTo: null,
      keptAside,
      skipped: { nodes: stored.badNodes.length, lines: stored.badLines.length },
    };
    return { result, seq: stored.seq, compact: stored.compact };
  } catch (error) {
    if (!(error instanceof StoreCorruptError)) throw error;
    const movedTo = await asideName(target, stamp);
    await rename(target, movedTo);
    const keptAside = [movedTo];
    // The journal goes with it: its lines are the changes since that snapshot, and the new
    // files start a journal of their own.
    let journalNote = "";
    if (await exists(journalPath(target))) {
      const journal = await asideName(journalPath(target), stamp);
      await rename(journalPath(target), journal);
      keptAside.push(journal);
      journalNote = ` (its journal to ${journal})`;
    }
    await syncDirectory(dirname(target));
    const warning = `key store ${shown} is unreadable (${error.message}); moved it to ${movedTo}${journalNote} and started with an empty key directory`;
    const result: LoadResult = { records: [], settings: NO_SETTINGS, warning, movedTo, keptAside, skipped: { nodes: 0, lines: 0 } };
    return { result, seq: 0, compact: true };
  }
}
