// The store's files as one writer sees them: the journal it appends to, the last seq, and
// whether the next write must (or should) be a compaction. Each method is one crash-safe
// step; store.ts decides when to take them and who waits for them.
import { randomBytes } from "node:crypto";
import { stat } from "node:fs/promises";
import type { KeyRecord } from "./record.js";
import { JournalFile, replaceAtomically, type CrashHook } from "./store-files.js";
import { journalHeader, journalLine, serializeRecords, settingsLine, type SettingsDocument } from "./store-format.js";
import { journalPath } from "./store-read.js";

export interface RecordSource {
  get(num: number): Readonly<KeyRecord> | undefined;
  snapshot(): readonly Readonly<KeyRecord>[];
}

/** The settings as they are now, and whether this write must record them (they changed). */
export interface SettingsWrite {
  doc: SettingsDocument;
  changed: boolean;
}

export class StoreWriter {
  private journal: JournalFile | null = null;
  private snapshotBytes = 0;
  /** The journal outgrew the snapshot: compact when convenient (not in the final write). */
  private shouldCompact = false;

  constructor(
    private readonly target: string,
    private readonly hook: CrashHook,
    private readonly compactMinBytes: number,
    /** The last seq written (new entries continue after it). */
    private seq: number,
    /** No usable journal (first start, migration, a torn journal): the next write is a compaction. */
    private mustCompact: boolean,
  ) {}

  /** Whether there is disk work even with no change pending (a migration, a due compaction). */
  get compactionDue(): boolean {
    return this.mustCompact || this.shouldCompact;
  }

  /** The journal's size now (0 right after a compaction, or before the first write). */
  get journalBytes(): number {
    return this.journal?.size ?? 0;
  }

  /** Clean files: go on appending to the journal they end with (no rewrite at start). */
  async reopen(): Promise<void> {
    if (this.mustCompact) return;
    try {
      this.journal = await JournalFile.open(journalPath(this.target));
      this.snapshotBytes = (await stat(this.target)).size;
    } catch {
      this.mustCompact = true; // the next write rewrites both files, and reports if that fails
    }
  }

  /** One batch of changed nodes (and settings), durable when this resolves. `final`: no optional compaction. */
  async write(source: RecordSource, nums: ReadonlySet<number>, settings: SettingsWrite, nowSec: number, final: boolean): Promise<void> {
    if (this.mustCompact || this.journal === null || (this.shouldCompact && !final)) await this.compact(source, settings.doc, nowSec);
    else if (nums.size > 0 || settings.changed) await this.append(source, nums, settings);
    const journalBytes = this.journal?.size ?? 0;
    if (journalBytes > Math.max(this.snapshotBytes, this.compactMinBytes)) this.shouldCompact = true;
  }

  async close(): Promise<void> {
    await this.journal?.close().catch(() => undefined);
    this.journal = null;
  }

  private async append(source: RecordSource, nums: Iterable<number>, settings: SettingsWrite): Promise<void> {
    let text = "";
    // Each node as it is now: whatever changed since it was marked rides along.
    for (const num of nums) text += journalLine(++this.seq, num, source.get(num));
    if (settings.changed) text += settingsLine(++this.seq, settings.doc);
    try {
      await (this.journal as JournalFile).append(Buffer.from(text, "utf8"), this.hook);
    } catch (error) {
      // The journal may now end in a torn batch; appending after it would hide later
      // batches from the reader. Start over from a snapshot.
      this.mustCompact = true;
      throw error;
    }
    await this.hook("journal-synced");
  }

  /** Snapshot of everything (with the last seq), then a fresh journal that continues it. */
  private async compact(source: RecordSource, settings: SettingsDocument, nowSec: number): Promise<void> {
    this.mustCompact = true;
    await this.close();
    const id = randomBytes(8).toString("hex");
    const data = Buffer.from(serializeRecords(source.snapshot(), nowSec, { id, seq: this.seq }, settings), "utf8");
    await replaceAtomically(this.target, data, this.hook, ["tmp-partial", "tmp-synced", "renamed"]);
    this.snapshotBytes = data.length;
    // Until this rename a reader sees the old journal, whose id no longer matches: ignored.
    await replaceAtomically(journalPath(this.target), Buffer.from(journalHeader(id), "utf8"), this.hook, null);
    await this.hook("journal-reset");
    this.journal = await JournalFile.open(journalPath(this.target));
    this.mustCompact = false;
    this.shouldCompact = false;
  }
}
