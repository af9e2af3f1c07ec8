// The key directory's public types: its options, events and journal (keys.ts implements them).
import type { KeyEvent } from "./events.js";
import type { KeyRecord, NodeView } from "./record.js";
import type { UplinkTrust } from "./uplink-trust.js";

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
  /** `uplink.trust`: how far a key from an `uplink:<gw>` source is trusted (uplink-trust.ts); "claim" when absent. */
  uplinkTrust?: UplinkTrust;
}

/** Since start, from every source: sync/stats keys_added and keys_updated. */
export interface KeyTotals {
  /** Keys learned for nodes that had none. */
  added: number;
  /** Changed keys taken under policy alert. */
  updated: number;
}
