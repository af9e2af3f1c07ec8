// The key directory: one record per node, ever growing (only forget() removes a node).
// It owns the key rules: ingest() merges observations from any source (merge.ts), keeps every
// node's status current (health.ts; a key change can move other nodes in or out of
// `duplicate`), and emits a node's public view only when a field of that view really changed,
// so the MQTT side can publish retained state as it comes. Its emitter is the one way key
// events leave it. With a journal (the store) attached, a change is announced only once the
// journal reports it durable: state changes at once (the rules read it), announcements wait,
// and what the read side lists (list(), view(), announcedRecords()) is what was announced.
import { EventEmitter } from "node:events";
import { AnnouncementQueue, type Announcement, type NodeState } from "./announcements.js";
import type { KeyEvent } from "./events.js";
import { KeyIndex } from "./key-index.js";
import { needsAttention, nodeStatus, plainStatus, statusEvents } from "./health.js";
import { mergeObservations, type DirectorySnapshot, type MergeCounts, type Observation } from "./merge.js";
import { recordOf, sameView, toView, type KeyPolicy, type KeyRecord, type KeySource, type NodeStatus, type NodeView } from "./record.js";
import { shareableKey, type Shareable, type ShareFacts } from "./shareable.js";
import { acceptRecord, leftRadio, noteRadioStale, rejectRecord } from "./trust.js";

export interface DirectoryEvents {
  /** A node's `nodes/<id>` payload changed (or the node is new), with the record it was built from. */
  nodeChanged: [NodeView, Readonly<KeyRecord>];
  /** forget(): retained `nodes/<id>` and discovery should be cleared. */
  nodeRemoved: [{ id: string; num: number }];
  /** A bridge event: key_added, key_changed, weak_key, duplicate_key, key_conflict, radio_key_stale. */
  event: [KeyEvent];
  /** The directory changed (including fields outside the view): refresh figures. */
  dirty: [];
  /** A listener of an announcement threw; the announcements go on. */
  listenerError: [Error];
}

export interface IngestOptions {
  /** false: no key_added events (a fresh directory's first sync is announced as one summary by the engine). */
  keyAdded?: boolean;
}

/** Where changes go before they are announced: KeyStore satisfies it. */
export interface ChangeJournal {
  /** Resolves once the nodes' current state is durable. `urgent`: it will be announced. */
  persist(nums: Iterable<number>, urgent: boolean): Promise<void>;
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
  /** Nodes the radio's last complete dump did not list (in_radio false): evicted, or only heard of. */
  nodes_only_in_directory: number;
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
  private readonly byHash = new KeyIndex();
  /**
   * The statuses that differ from a record's plain one (plainStatus: missing or ok). Those are
   * the alerts, a few nodes of thousands, so the usual node costs no entry here (a map entry
   * for every node was ~60 bytes a node). A node's view is toView(record, statusOf(record)),
   * built when asked for.
   */
  private readonly alerts = new Map<number, NodeStatus>();
  private readonly keyTotals: KeyTotals = { added: 0, updated: 0 };
  private journal: ChangeJournal | null = null;
  private readonly announcements = new AnnouncementQueue((announcement) => this.announce(announcement));

  constructor(private readonly options: KeyDirectoryOptions) {
    super();
  }

  get size(): number {
    return this.records.size;
  }

  get(num: number): Readonly<KeyRecord> | undefined {
    return this.records.get(num >>> 0);
  }

  /** From now on, changes are announced only once `journal` has them durable (null: at once). */
  useJournal(journal: ChangeJournal | null): void {
    this.journal = journal;
  }

  /** Resolves when the announcements of the last ingest/acceptKey/forget have gone out. */
  lastChangeAnnounced(): Promise<void> {
    return this.announcements.latest;
  }

  /** The last change waits for the journal (false: announced already, or nothing to announce). */
  lastChangePending(): boolean {
    return this.announcements.latestPending;
  }

  /** A node's view as last announced. */
  view(num: number): NodeView | undefined {
    const held = this.announcements.heldState(num >>> 0);
    if (held) return held.record && held.status ? toView(held.record, held.status) : undefined;
    const record = this.records.get(num >>> 0);
    return record && this.viewOf(record);
  }

  /** Every node's view as last announced, by node number. */
  list(): NodeView[] {
    return this.announcedRecords().map(([record, status]) => toView(record, status));
  }

  /** Every record with its status, as last announced (e.g. to republish after a reconnect). */
  announcedRecords(): [Readonly<KeyRecord>, NodeStatus][] {
    const out: [KeyRecord, NodeStatus][] = [];
    for (const record of this.records.values()) {
      if (this.announcements.heldState(record.num)) continue;
      out.push([record, this.statusOf(record)]);
    }
    for (const held of this.announcements.heldStates()) if (held.record && held.status) out.push([held.record, held.status]);
    return out.sort((a, b) => a[0].num - b[0].num);
  }

  /** Every record, for the store. */
  snapshot(): Readonly<KeyRecord>[] {
    return [...this.records.values()];
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

  totals(): KeyTotals {
    return { ...this.keyTotals };
  }

  /**
   * Fills the directory from the store at start-up. No events: these nodes' alerts were
   * raised when they arose, and their retained state is published from list().
   */
  load(records: Iterable<KeyRecord>): void {
    // recordOf: the store's records get the layout of the ones merge builds.
    const updates = [...records].map((record) => ({ num: record.num, next: recordOf(record) }));
    this.commit(updates, [], false);
  }

  /**
   * Merges what one source reports (a NodeDB dump, a live packet, another gateway) under the
   * key rules. Emits the changed views and the key events, health alerts included; returns
   * the counts for the sync's own figures. A "nodedb" batch is one complete dump: nodes it
   * does not list are no longer in the radio (in_radio false), though the directory keeps them.
   */
  ingest(observations: readonly Observation[], source: Exclude<KeySource, "store">, policy: KeyPolicy, options: IngestOptions = {}): MergeCounts {
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
    const events = options.keyAdded === false ? result.events.filter((e) => e.type !== "key_added") : result.events;
    this.commit(updates, events, true);
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

  /** One command's change to one record; the view returned is the node's state after it. */
  private change(num: number, rule: (prev: KeyRecord) => KeyRecord): NodeView | undefined {
    const prev = this.records.get(num >>> 0);
    if (!prev) return undefined;
    const events: KeyEvent[] = [];
    const next = noteRadioStale(rule(prev), events);
    if (next !== prev) this.commit([{ num: prev.num, next }], events, true);
    else this.announcements.now(null);
    return this.viewOf(this.records.get(prev.num) as KeyRecord);
  }

  /** forget: removes the node; true when it existed. */
  forget(num: number): boolean {
    if (!this.records.has(num >>> 0)) {
      this.announcements.now(null);
      return false;
    }
    this.commit([{ num: num >>> 0, next: null }], [], true);
    return true;
  }

  /** The node's key if it may leave the bridge (push, API server): shareable.ts. */
  shareable(num: number, trust: readonly string[]): Shareable {
    const facts: ShareFacts = {
      weakHashes: this.options.weakHashes,
      // The held key's duplicates are already in its status; another key's are looked up.
      duplicated: (record, keyHash) =>
        keyHash === record.keyHash
          ? this.statusOf(record) === "duplicate"
          : this.byHash.holders(keyHash).some((peer) => peer !== record.num),
    };
    return shareableKey(this.records.get(num >>> 0), facts, trust);
  }

  private viewOf(record: Readonly<KeyRecord>): NodeView {
    return toView(record, this.statusOf(record));
  }

  /** A committed record's status. */
  private statusOf(record: Readonly<KeyRecord>): NodeStatus {
    return this.alerts.get(record.num) ?? plainStatus(record);
  }

  private setStatus(record: Readonly<KeyRecord>, status: NodeStatus): void {
    if (status === plainStatus(record)) this.alerts.delete(record.num);
    else this.alerts.set(record.num, status);
  }

  private group(keyHash: string | null): KeyRecord[] {
    if (keyHash === null) return [];
    return this.byHash.holders(keyHash).map((num) => this.records.get(num) as KeyRecord);
  }

  /** The one place state changes: records, index, statuses; then the emits. */
  private commit(updates: Update[], leading: KeyEvent[], emit: boolean): void {
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
    const changedViews: [NodeView, KeyRecord][] = [];
    for (const num of affected) {
      const record = this.records.get(num);
      if (!record) continue;
      const sameKey = this.group(record.keyHash);
      const status = nodeStatus(record, sameKey, this.options.weakHashes);
      // A node of this commit's updates had its old status taken above; any other (a holder
      // of the same key) still has its record, so its status is read as it stands.
      const oldStatus = oldStatuses.has(num) ? (oldStatuses.get(num) ?? null) : this.statusOf(record);
      if (!oldStatuses.has(num)) oldStatuses.set(num, oldStatus);
      events.push(...statusEvents(record, oldStatus, status, sameKey));
      this.setStatus(record, status);
      const view = toView(record, status);
      const oldRecord = was.has(num) ? was.get(num) : record;
      if (oldRecord && oldStatus !== null && sameView(toView(oldRecord, oldStatus), view)) continue;
      changedViews.push([view, record]);
    }
    if (!emit) return;
    const announcement: Announcement = { removed, views: changedViews, events };
    const urgent = removed.length + changedViews.length + events.length > 0;
    const durable = this.journal && updates.length > 0 ? this.journal.persist(new Set(updates.map((u) => u.num)), urgent) : null;
    if (durable === null || !urgent) {
      // Nothing waits: at once (no journal), or nothing to announce (e.g. a lastSeen).
      this.announcements.now(urgent ? announcement : null);
      if (!urgent && updates.length > 0) this.emit("dirty");
      return;
    }
    const before = (num: number): NodeState => ({ record: was.has(num) ? (was.get(num) ?? null) : (this.records.get(num) ?? null), status: oldStatuses.get(num) ?? null });
    const after = (num: number): NodeState => {
      const record = this.records.get(num) ?? null;
      return { record, status: record && this.statusOf(record) };
    };
    this.announcements.after(durable, announcement, before, after);
  }

  private announce(announcement: Announcement): void {
    // State is complete before any listener runs, so listeners may read the directory.
    for (const record of announcement.removed) this.safeEmit("nodeRemoved", { id: record.id, num: record.num });
    for (const [view, record] of announcement.views) this.safeEmit("nodeChanged", { ...view }, record);
    for (const event of announcement.events) this.safeEmit("event", event);
    this.safeEmit("dirty");
  }

  private safeEmit<K extends "nodeRemoved" | "nodeChanged" | "event" | "dirty">(event: K, ...args: DirectoryEvents[K]): void {
    if (this.journal === null) {
      // Announced within the caller's own call: let a listener's error reach it, as ever.
      (this.emit as (e: K, ...a: DirectoryEvents[K]) => boolean)(event, ...args);
      return;
    }
    try {
      (this.emit as (e: K, ...a: DirectoryEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (this.listenerCount("listenerError") > 0) this.emit("listenerError", error as Error);
    }
  }
}
