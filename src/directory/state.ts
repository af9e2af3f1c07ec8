// The directory's state and its one way of changing: the records, the key index and the
// statuses that are not a record's plain one, with apply(), which swaps records in and works
// out what that changes for everyone affected (a key change can move other holders of the
// same key in or out of `duplicate`). What to announce comes back as data; when it goes out
// (at once, or once the journal has it durable) is KeyDirectory's business (keys.ts).
import type { Announcement, NodeState } from "./announcements.js";
import type { KeyEvent } from "./events.js";
import { needsAttention, nodeStatus, plainStatus, statusEvents } from "./health.js";
import { KeyIndex } from "./key-index.js";
import { sameView, toView, type KeyRecord, type NodeStatus, type NodeView } from "./record.js";

export type Update = { num: number; next: KeyRecord | null };

export interface DirectorySummary {
  nodes_total: number;
  nodes_with_key: number;
  nodes_missing_key: number;
  /** Nodes whose status is weak, duplicate, changed or radio_stale. */
  alerts: number;
  /** Nodes the radio's last complete dump did not list (in_radio false): evicted, or only heard of. */
  nodes_only_in_directory: number;
}

/** What one apply() changed: the announcement, and each touched node's state before it and now. */
export interface Applied {
  announcement: Announcement;
  /** Anything to announce at all (a lastSeen alone is not). */
  urgent: boolean;
  before: (num: number) => NodeState;
  after: (num: number) => NodeState;
}

export class DirectoryState {
  readonly records = new Map<number, KeyRecord>();
  /** keyHash → node numbers holding that key: duplicates are found without a full scan. */
  readonly byHash = new KeyIndex();
  /**
   * The statuses that differ from a record's plain one (plainStatus: missing or ok). Those are
   * the alerts, a few nodes of thousands, so the usual node costs no entry here (a map entry
   * for every node was ~60 bytes a node). A node's view is toView(record, statusOf(record)),
   * built when asked for.
   */
  private readonly alerts = new Map<number, NodeStatus>();

  constructor(private readonly weakHashes: ReadonlySet<string>) {}

  /** A committed record's status. */
  statusOf(record: Readonly<KeyRecord>): NodeStatus {
    return this.alerts.get(record.num) ?? plainStatus(record);
  }

  viewOf(record: Readonly<KeyRecord>): NodeView {
    return toView(record, this.statusOf(record));
  }

  summary(): DirectorySummary {
    let withKey = 0;
    let alerts = 0;
    let notInRadio = 0;
    for (const record of this.records.values()) {
      if (record.key !== null) withKey++;
      if (!record.inRadio) notInRadio++;
      if (needsAttention(this.statusOf(record))) alerts++;
    }
    const total = this.records.size;
    return { nodes_total: total, nodes_with_key: withKey, nodes_missing_key: total - withKey, alerts, nodes_only_in_directory: notInRadio };
  }

  private setStatus(record: Readonly<KeyRecord>, status: NodeStatus): void {
    if (status === plainStatus(record)) this.alerts.delete(record.num);
    else this.alerts.set(record.num, status);
  }

  private group(keyHash: string | null): KeyRecord[] {
    if (keyHash === null) return [];
    return this.byHash.holders(keyHash).map((num) => this.records.get(num) as KeyRecord);
  }

  /** The one place state changes: records, index, statuses; returns what to announce. */
  apply(updates: Update[], leading: KeyEvent[]): Applied {
    const affected = new Set<number>();
    const removed: KeyRecord[] = [];
    // Each changed node's record as it was before this commit: its old view is built from it.
    const was = new Map<number, KeyRecord | null>();
    const oldStatuses = new Map<number, NodeStatus | null>();
    for (const { num, next } of updates) {
      const prev = this.records.get(num);
      if (!was.has(num)) {
        was.set(num, prev ?? null);
        // Before its record is replaced: statusOf reads the status against the record it was set for.
        oldStatuses.set(num, prev ? this.statusOf(prev) : null);
      }
      if (prev) this.byHash.remove(prev, affected);
      if (next) {
        this.records.set(num, next);
        this.byHash.add(next, affected);
        affected.add(num);
      } else if (prev) {
        this.records.delete(num);
        this.alerts.delete(num);
        // Only a node committed before this change was announced, so only its removal is.
        if (was.get(num) !== null) removed.push(prev);
      }
    }
    const events = [...leading];
    const views: [NodeView, KeyRecord][] = [];
    for (const num of affected) {
      const record = this.records.get(num);
      if (!record) continue;
      const sameKey = this.group(record.keyHash);
      const status = nodeStatus(record, sameKey, this.weakHashes);
      // A node of this commit's updates had its old status taken above; any other (a holder
      // of the same key) still has its record, so its status is read as it stands.
      const oldStatus = oldStatuses.has(num) ? (oldStatuses.get(num) ?? null) : this.statusOf(record);
      if (!oldStatuses.has(num)) oldStatuses.set(num, oldStatus);
      events.push(...statusEvents(record, oldStatus, status, sameKey));
      this.setStatus(record, status);
      const view = toView(record, status);
      const oldRecord = was.has(num) ? was.get(num) : record;
      if (oldRecord && oldStatus !== null && sameView(toView(oldRecord, oldStatus), view)) continue;
      views.push([view, record]);
    }
    return {
      announcement: { removed, views, events },
      urgent: removed.length + views.length + events.length > 0,
      before: (num) => ({ record: was.has(num) ? (was.get(num) ?? null) : (this.records.get(num) ?? null), status: oldStatuses.get(num) ?? null }),
      after: (num) => {
        const record = this.records.get(num) ?? null;
        return { record, status: record && this.statusOf(record) };
      },
    };
  }
}
