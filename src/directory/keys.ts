// The key directory: one record per node, ever growing (only forget() removes a node).
// It owns the key rules: ingest() merges observations from any source (merge.ts), keeps every
// node's status current (health.ts; a key change can move other nodes in or out of
// `duplicate`), and emits a node's public view only when a field of that view really changed,
// so the MQTT side can publish retained state as it comes. Its emitter is the one way key
// events leave it. With a journal (the store) attached, a change is announced only once the
// journal reports it durable: state changes at once (the rules read it), announcements wait,
// and what the read side lists (list(), view(), announcedRecords()) is what was announced.
import { EventEmitter } from "node:events";
import { AnnouncementQueue, type Announcement } from "./announcements.js";
import type { KeyEvent } from "./events.js";
import { linkReplacements, type IdentityChange } from "./identity.js";
import { mergeObservations, type DirectorySnapshot, type MergeCounts, type Observation } from "./merge.js";
import { recordOf, toView, type KeyPolicy, type KeyRecord, type KeySource, type NodeStatus, type NodeView } from "./record.js";
import { shareableKey, type Shareable, type ShareFacts } from "./shareable.js";
import type { ChangeJournal, DirectoryEvents, IngestOptions, KeyDirectoryOptions, KeyTotals } from "./keys-api.js";
import { DirectoryState, type DirectorySummary, type Update } from "./state.js";
import { acceptRecord, leftRadio, noteRadioStale, rejectRecord } from "./trust.js";

export type { DirectorySummary } from "./state.js";
export type { ChangeJournal, DirectoryEvents, IngestOptions, KeyDirectoryOptions, KeyTotals } from "./keys-api.js";

export class KeyDirectory extends EventEmitter<DirectoryEvents> implements DirectorySnapshot {
  private readonly state: DirectoryState;
  private readonly records: Map<number, KeyRecord>;
  private readonly keyTotals: KeyTotals = { added: 0, updated: 0 };
  private journal: ChangeJournal | null = null;
  private readonly announcements = new AnnouncementQueue((announcement) => this.announce(announcement));

  constructor(private readonly options: KeyDirectoryOptions) {
    super();
    this.state = new DirectoryState(options.weakHashes);
    this.records = this.state.records;
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
    return this.state.summary();
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
    const result = mergeObservations(this, observations, source, policy, this.options.now(), { uplinkTrust: this.options.uplinkTrust });
    this.keyTotals.added += result.counts.added;
    this.keyTotals.updated += result.counts.updated;
    const changes: IdentityChange[] = [...result.changes];
    if (source === "nodedb") {
      const listed = new Set(observations.map((obs) => obs.num >>> 0));
      for (const record of this.records.values()) {
        if (listed.has(record.num)) continue;
        const next = leftRadio(record);
        if (next !== record) changes.push({ prev: record, next });
      }
    }
    // Firmware 2.8 re-flashes: advice after the merge, which never links identities itself.
    // After the pass above, so an old node that also left the radio in this dump (a full
    // NodeDB evicting it for its own new identity) is marked on the record that left.
    const replaced = linkReplacements(changes, this.records.values());
    const updates: Update[] = [...changes, ...replaced].map(({ next }) => ({ num: next.num, next }));
    const merged = options.keyAdded === false ? result.events.filter((e) => e.type !== "key_added") : result.events;
    const events = replaced.length === 0 ? merged : [...merged, ...replaced.map((r) => r.event)];
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
          : this.state.byHash.holders(keyHash).some((peer) => peer !== record.num),
    };
    return shareableKey(this.records.get(num >>> 0), facts, trust);
  }

  private viewOf(record: Readonly<KeyRecord>): NodeView {
    return this.state.viewOf(record);
  }

  private statusOf(record: Readonly<KeyRecord>): NodeStatus {
    return this.state.statusOf(record);
  }

  /** State changes at once (state.ts); announcements go out now, or once the journal has them durable. */
  private commit(updates: Update[], leading: KeyEvent[], emit: boolean): void {
    const applied = this.state.apply(updates, leading);
    if (!emit) return;
    const { announcement, urgent } = applied;
    const durable = this.journal && updates.length > 0 ? this.journal.persist(new Set(updates.map((u) => u.num)), urgent) : null;
    if (durable === null || !urgent) {
      // Nothing waits: at once (no journal), or nothing to announce (e.g. a lastSeen).
      this.announcements.now(urgent ? announcement : null);
      if (!urgent && updates.length > 0) this.emit("dirty");
      return;
    }
    this.announcements.after(durable, announcement, applied.before, applied.after);
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
