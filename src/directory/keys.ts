// The key directory: one record per node, ever growing (only forget() removes a node).
// It owns the key rules: ingest() merges observations from any source (merge.ts), keeps every
// node's status current (health.ts; a key change can move other nodes in or out of
// `duplicate`), and emits a node's public view only when a field of that view really changed,
// so the MQTT side can publish retained state as it comes. Its emitter is the one way key
// events leave it.
import { EventEmitter } from "node:events";
import type { KeyEvent } from "./events.js";
import { nodeStatus, statusEvents } from "./health.js";
import { mergeObservations, type DirectorySnapshot, type MergeCounts, type Observation } from "./merge.js";
import { sameView, toView, type KeyPolicy, type KeyRecord, type KeySource, type NodeStatus, type NodeView } from "./record.js";
import { acceptRecord, leftRadio, noteRadioStale, rejectRecord } from "./trust.js";

export interface DirectoryEvents {
  /** A node's `nodes/<id>` payload changed (or the node is new). */
  nodeChanged: [NodeView];
  /** forget(): retained `nodes/<id>` and discovery should be cleared. */
  nodeRemoved: [{ id: string; num: number }];
  /** A bridge event: key_added, key_changed, weak_key, duplicate_key, key_conflict, radio_key_stale. */
  event: [KeyEvent];
  /** The directory changed (including fields outside the view): persist it, refresh figures. */
  dirty: [];
}

export interface KeyDirectoryOptions {
  /** Unix seconds. */
  now: () => number;
  /** SHA-256 hex of low-entropy keys (health.loadLowEntropyHashes()). */
  weakHashes: ReadonlySet<string>;
}

export interface DirectorySummary {
  nodes_total: number;
  nodes_with_key: number;
  nodes_missing_key: number;
  /** Nodes whose status is weak, duplicate, changed or radio_stale. */
  alerts: number;
}

/** Since start, from every source: sync/stats keys_added and keys_updated. */
export interface KeyTotals {
  /** Keys learned for nodes that had none. */
  added: number;
  /** Changed keys taken under policy alert. */
  updated: number;
}

type Update = { num: number; next: KeyRecord | null };

export class KeyDirectory extends EventEmitter<DirectoryEvents> implements DirectorySnapshot {
  private readonly records = new Map<number, KeyRecord>();
  /** keyHash → node numbers holding that key: duplicates are found without a full scan. */
  // Almost every key has one holder: a bare number then, a Set only for duplicates (a Set
  // per key was about 170 bytes per node).
  private readonly byHash = new Map<string, number | Set<number>>();
  /** Every record's status. A node's view is toView(record, status), built when asked for. */
  private readonly statuses = new Map<number, NodeStatus>();
  private readonly keyTotals: KeyTotals = { added: 0, updated: 0 };

  constructor(private readonly options: KeyDirectoryOptions) {
    super();
  }

  get size(): number {
    return this.records.size;
  }

  get(num: number): Readonly<KeyRecord> | undefined {
    return this.records.get(num >>> 0);
  }

  view(num: number): NodeView | undefined {
    const record = this.records.get(num >>> 0);
    return record && this.viewOf(record);
  }

  /** Every node's view, by node number. */
  list(): NodeView[] {
    return [...this.records.values()].sort((a, b) => a.num - b.num).map((record) => this.viewOf(record));
  }

  /** Every record, for the store. */
  snapshot(): Readonly<KeyRecord>[] {
    return [...this.records.values()];
  }

  summary(): DirectorySummary {
    let withKey = 0;
    let alerts = 0;
    for (const record of this.records.values()) {
      if (record.key !== null) withKey++;
      const status = this.statuses.get(record.num);
      if (status === "weak" || status === "duplicate" || status === "changed" || status === "radio_stale") alerts++;
    }
    const total = this.records.size;
    return { nodes_total: total, nodes_with_key: withKey, nodes_missing_key: total - withKey, alerts };
  }

  totals(): KeyTotals {
    return { ...this.keyTotals };
  }

  /**
   * Fills the directory from the store at start-up. No events: these nodes' alerts were
   * raised when they arose, and their retained state is published from list().
   */
  load(records: Iterable<KeyRecord>): void {
    const updates = [...records].map((record) => ({ num: record.num, next: record }));
    this.commit(updates, [], false);
  }

  /**
   * Merges what one source reports (a NodeDB dump, a live packet, another gateway) under the
   * key rules. Emits the changed views and the key events, health alerts included; returns
   * the counts for the sync's own figures. A "nodedb" batch is one complete dump: nodes it
   * does not list are no longer in the radio (in_radio false), though the directory keeps them.
   */
  ingest(observations: readonly Observation[], source: Exclude<KeySource, "store">, policy: KeyPolicy): MergeCounts {
    const result = mergeObservations(this, observations, source, policy, this.options.now());
    this.keyTotals.added += result.counts.added;
    this.keyTotals.updated += result.counts.updated;
    const updates: Update[] = result.changes.map((change) => ({ num: change.next.num, next: change.next }));
    if (source === "nodedb") {
      const listed = new Set(observations.map((obs) => obs.num >>> 0));
      for (const record of this.records.values()) {
        if (listed.has(record.num)) continue;
        const next = leftRadio(record);
        if (next !== record) updates.push({ num: record.num, next });
      }
    }
    this.commit(updates, result.events, true);
    return result.counts;
  }

  /**
   * accept_key: the node's new key (held under alert, pending under pin) becomes held and
   * confirmed; the node leaves `changed`. Returns the node's view, or undefined for an unknown node.
   */
  acceptKey(num: number): NodeView | undefined {
    return this.change(num, (prev) => acceptRecord(prev, this.options.now()));
  }

  /**
   * reject_key: the held key returns to the confirmed one and the rejected key is remembered.
   * undefined for an unknown node; `rejected: false` when the node had no changed key.
   */
  rejectKey(num: number): { view: NodeView; rejected: boolean } | undefined {
    let rejected = false;
    const view = this.change(num, (prev) => {
      const next = rejectRecord(prev);
      rejected = next !== null;
      return next ?? prev;
    });
    return view && { view, rejected };
  }

  private change(num: number, rule: (prev: KeyRecord) => KeyRecord): NodeView | undefined {
    const prev = this.records.get(num >>> 0);
    if (!prev) return undefined;
    const events: KeyEvent[] = [];
    const next = noteRadioStale(rule(prev), events);
    if (next !== prev) this.commit([{ num: prev.num, next }], events, true);
    return this.view(prev.num);
  }

  /** forget: removes the node; true when it existed. */
  forget(num: number): boolean {
    if (!this.records.has(num >>> 0)) return false;
    this.commit([{ num: num >>> 0, next: null }], [], true);
    return true;
  }

  private viewOf(record: Readonly<KeyRecord>): NodeView {
    return toView(record, this.statuses.get(record.num) ?? "missing");
  }

  /** The node numbers holding a key, in the order they got it. */
  private holders(keyHash: string): number[] {
    const held = this.byHash.get(keyHash);
    if (held === undefined) return [];
    return typeof held === "number" ? [held] : [...held];
  }

  private group(keyHash: string | null): KeyRecord[] {
    if (keyHash === null) return [];
    return this.holders(keyHash).map((num) => this.records.get(num) as KeyRecord);
  }

  private index(record: KeyRecord, add: boolean, affected: Set<number>): void {
    const hash = record.keyHash;
    if (hash === null) return;
    const held = this.byHash.get(hash);
    if (add) {
      if (held === undefined) this.byHash.set(hash, record.num);
      else if (typeof held !== "number") held.add(record.num);
      else if (held !== record.num) this.byHash.set(hash, new Set([held, record.num]));
    } else if (typeof held === "number") {
      if (held === record.num) this.byHash.delete(hash);
    } else if (held !== undefined) {
      held.delete(record.num);
      if (held.size === 0) this.byHash.delete(hash);
      else if (held.size === 1) this.byHash.set(hash, held.values().next().value as number);
    }
    // Everyone holding this key may enter or leave `duplicate`.
    for (const peer of this.holders(hash)) affected.add(peer);
  }

  /** The one place state changes: records, index, statuses; then the emits. */
  private commit(updates: Update[], leading: KeyEvent[], emit: boolean): void {
    const affected = new Set<number>();
    const removed: KeyRecord[] = [];
    // Each changed node's record as it was before this commit: its old view is built from it.
    const before = new Map<number, KeyRecord | null>();
    for (const { num, next } of updates) {
      const prev = this.records.get(num);
      if (!before.has(num)) before.set(num, prev ?? null);
      if (prev) this.index(prev, false, affected);
      if (next) {
        this.records.set(num, next);
        this.index(next, true, affected);
        affected.add(num);
      } else if (prev) {
        this.records.delete(num);
        if (this.statuses.delete(num)) removed.push(prev);
      }
    }
    const events = [...leading];
    const changedViews: NodeView[] = [];
    for (const num of affected) {
      const record = this.records.get(num);
      if (!record) continue;
      const sameKey = this.group(record.keyHash);
      const status = nodeStatus(record, sameKey, this.options.weakHashes);
      const oldStatus = this.statuses.get(num) ?? null;
      events.push(...statusEvents(record, oldStatus, status, sameKey));
      this.statuses.set(num, status);
      const view = toView(record, status);
      const oldRecord = before.has(num) ? before.get(num) : record;
      if (oldRecord && oldStatus !== null && sameView(toView(oldRecord, oldStatus), view)) continue;
      changedViews.push(view);
    }
    if (!emit) return;
    // State is complete before any listener runs, so listeners may read the directory.
    for (const record of removed) this.emit("nodeRemoved", { id: record.id, num: record.num });
    for (const view of changedViews) this.emit("nodeChanged", { ...view });
    for (const event of events) this.emit("event", event);
    if (updates.length > 0) this.emit("dirty");
  }
}
