// The key directory: one record per node, ever growing (only forget() removes a node).
// It applies merge results, keeps every node's status current (a key change can move other
// nodes in or out of `duplicate`), and emits a node's public view only when a field of
// that view really changed, so the MQTT side can publish retained state as it comes.
import { EventEmitter } from "node:events";
import type { KeySeen, NodeDbDump, RemoteNode } from "../radio/link.js";
import type { KeyEvent } from "../sync/events.js";
import { nodeStatus, statusEvents } from "../sync/health.js";
import { mergeDump, mergeGateway, mergeKeySeen, type DirectorySnapshot, type MergeResult } from "../sync/merge.js";
import { keyFields, sameView, toView, type KeyPolicy, type KeyRecord, type NodeStatus, type NodeView } from "./record.js";

export interface DirectoryEvents {
  /** A node's `nodes/<id>` payload changed (or the node is new). */
  nodeChanged: [NodeView];
  /** forget(): retained `nodes/<id>` and discovery should be cleared. */
  nodeRemoved: [{ id: string; num: number }];
  /** A bridge event: key_added, key_changed, weak_key, duplicate_key. */
  event: [KeyEvent];
  /** Something worth persisting changed (including fields outside the view). */
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
  /** Nodes whose status is weak, duplicate or changed. */
  alerts: number;
}

/**
 * A merge result after it was applied; `events` also holds the health alerts it caused.
 * The same events were already emitted on "event": forward one or the other, not both.
 */
export type IngestResult = MergeResult;

type Update = { num: number; next: KeyRecord | null };

export class KeyDirectory extends EventEmitter<DirectoryEvents> implements DirectorySnapshot {
  private readonly records = new Map<number, KeyRecord>();
  /** keyHash → node numbers holding that key: duplicates are found without a full scan. */
  private readonly byHash = new Map<string, Set<number>>();
  private readonly statuses = new Map<number, NodeStatus>();
  private readonly views = new Map<number, NodeView>();

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
    const view = this.views.get(num >>> 0);
    return view && { ...view };
  }

  /** Every node's view, by node number. */
  list(): NodeView[] {
    return [...this.views.values()].sort((a, b) => a.num - b.num).map((view) => ({ ...view }));
  }

  /** Every record, for the store. */
  snapshot(): Readonly<KeyRecord>[] {
    return [...this.records.values()];
  }

  summary(): DirectorySummary {
    let withKey = 0;
    let alerts = 0;
    for (const view of this.views.values()) {
      if (view.has_key) withKey++;
      if (view.status === "weak" || view.status === "duplicate" || view.status === "changed") alerts++;
    }
    return { nodes_total: this.views.size, nodes_with_key: withKey, nodes_missing_key: this.views.size - withKey, alerts };
  }

  /**
   * Fills the directory from the store at start-up. No events: these nodes' alerts were
   * raised when they arose, and their retained state is published from list().
   */
  load(records: Iterable<KeyRecord>): void {
    const updates = [...records].map((record) => ({ num: record.num, next: record }));
    this.commit(updates, [], false);
  }

  ingestDump(dump: NodeDbDump, policy: KeyPolicy): IngestResult {
    return this.apply(mergeDump(this, dump, policy, this.options.now()));
  }

  ingestKeySeen(seen: KeySeen, policy: KeyPolicy): IngestResult {
    return this.apply(mergeKeySeen(this, seen, policy, this.options.now()));
  }

  ingestGateway(gateway: string, nodes: readonly RemoteNode[], policy: KeyPolicy): IngestResult {
    return this.apply(mergeGateway(this, gateway, nodes, policy, this.options.now()));
  }

  /**
   * Applies a merge made against this directory's current state (merge and apply must run
   * in the same tick). Emits views and events; returns the result with health alerts added.
   */
  apply(result: MergeResult): IngestResult {
    const updates = result.changes.map((change) => ({ num: change.next.num, next: change.next }));
    const events = this.commit(updates, result.events, true);
    return { ...result, events };
  }

  /**
   * accept_key: under pin the pending key replaces the held one; under either policy the
   * node leaves `changed`. Returns the node's view, or undefined for an unknown node.
   */
  acceptKey(num: number): NodeView | undefined {
    const prev = this.records.get(num >>> 0);
    if (!prev) return undefined;
    let next: KeyRecord = { ...prev, changed: false };
    if (prev.pendingKey !== null) {
      const source = prev.pendingSource ?? "packet";
      next = { ...next, ...keyFields(prev.pendingKey), source, origin: source, keyChangedAt: this.options.now() };
      next.pendingKey = null;
      next.pendingSource = null;
    }
    if (prev.changed || prev.pendingKey !== null) this.commit([{ num: prev.num, next }], [], true);
    return this.view(prev.num);
  }

  /** forget: removes the node; true when it existed. */
  forget(num: number): boolean {
    if (!this.records.has(num >>> 0)) return false;
    this.commit([{ num: num >>> 0, next: null }], [], true);
    return true;
  }

  private group(keyHash: string | null): KeyRecord[] {
    if (keyHash === null) return [];
    return [...(this.byHash.get(keyHash) ?? [])].map((num) => this.records.get(num) as KeyRecord);
  }

  private index(record: KeyRecord, add: boolean, affected: Set<number>): void {
    if (record.keyHash === null) return;
    let nums = this.byHash.get(record.keyHash);
    if (add) {
      if (!nums) this.byHash.set(record.keyHash, (nums = new Set()));
      nums.add(record.num);
    } else {
      nums?.delete(record.num);
      if (nums?.size === 0) this.byHash.delete(record.keyHash);
    }
    // Everyone holding this key may enter or leave `duplicate`.
    for (const peer of nums ?? []) affected.add(peer);
  }

  /** The one place state changes: records, index, statuses, views; then the emits. */
  private commit(updates: Update[], leading: KeyEvent[], emit: boolean): KeyEvent[] {
    const affected = new Set<number>();
    const removed: NodeView[] = [];
    for (const { num, next } of updates) {
      const prev = this.records.get(num);
      if (prev) this.index(prev, false, affected);
      if (next) {
        this.records.set(num, next);
        this.index(next, true, affected);
        affected.add(num);
      } else if (prev) {
        this.records.delete(num);
        const view = this.views.get(num);
        if (view) removed.push(view);
        this.views.delete(num);
        this.statuses.delete(num);
      }
    }
    const events = [...leading];
    const changedViews: NodeView[] = [];
    for (const num of affected) {
      const record = this.records.get(num);
      if (!record) continue;
      const sameKey = this.group(record.keyHash);
      const status = nodeStatus(record, sameKey, this.options.weakHashes);
      events.push(...statusEvents(record, this.statuses.get(num) ?? null, status, sameKey));
      this.statuses.set(num, status);
      const view = toView(record, status);
      const old = this.views.get(num);
      if (old && sameView(old, view)) continue;
      this.views.set(num, view);
      changedViews.push(view);
    }
    if (!emit) return [];
    // State is complete before any listener runs, so listeners may read the directory.
    for (const view of removed) this.emit("nodeRemoved", { id: view.id, num: view.num });
    for (const view of changedViews) this.emit("nodeChanged", { ...view });
    for (const event of events) this.emit("event", event);
    if (updates.length > 0) this.emit("dirty");
    return events;
  }
}
