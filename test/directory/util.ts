// Shared builders for the directory and sync unit tests.
import type { KeyDirectory } from "../../src/directory/keys.js";
import type { MergeCounts } from "../../src/directory/merge.js";
import type { KeySeen, NodeDbDump, RemoteNode } from "../../src/radio/link.js";
import { keyFields, NO_NOTES, sha256Hex, type KeyPolicy, type KeyRecord } from "../../src/directory/record.js";
import { observeDump, observeKeySeen } from "../../src/sync/observe.js";

/** A 32-byte key whose bytes are derived from `seed`: distinct seeds give distinct keys. */
export function key(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff);
}

export function hashOf(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

export function remote(num: number, publicKey: Uint8Array | null, extra: Partial<RemoteNode> = {}): RemoteNode {
  return {
    num,
    id: `!${num.toString(16).padStart(8, "0")}`,
    longName: `Node ${num}`,
    shortName: `N${num % 100}`,
    publicKey,
    verified: false,
    ignored: false,
    lastHeard: 0,
    traits: null,
    ...extra,
  };
}

export function dump(own: RemoteNode | null, nodes: RemoteNode[]): NodeDbDump {
  return { kind: "refresh", own, nodes, durationMs: 5, completedAt: 1_700_000_000_000 };
}

/** The store file as the tests read it back. */
export interface StoreDoc {
  format: string;
  version: number;
  nodes: { num: number; key: string | null; source: string | null; changed: boolean; pending_key: string | null }[];
}

export function parseDoc(text: string): StoreDoc {
  return JSON.parse(text) as StoreDoc;
}

/** A directory record as our radio would have left it; `extra` overrides any field. */
export function record(num: number, k: Uint8Array | null, extra: Partial<KeyRecord> = {}): KeyRecord {
  const fields = keyFields(k);
  const r: KeyRecord = {
    num,
    id: `!${num.toString(16).padStart(8, "0")}`,
    longName: "",
    shortName: "",
    ...fields,
    source: k ? "nodedb" : null,
    origin: k ? "nodedb" : null,
    firstSeen: 1000,
    lastSeen: 1000,
    keyChangedAt: null,
    verified: false,
    ignored: false,
    pendingKey: null,
    pendingSource: null,
    changed: false,
    confirmedKey: fields.key,
    confirmedOrigin: k ? "nodedb" : null,
    radioKey: fields.key,
    inRadio: k !== null,
    traits: 0,
    signed: false,
    notes: NO_NOTES,
    ...extra,
  };
  // Unless told otherwise, the held key is the confirmed one and the one the radio holds.
  if (!("confirmedKey" in extra)) r.confirmedKey = r.key;
  if (!("confirmedOrigin" in extra)) r.confirmedOrigin = r.origin;
  if (!("radioKey" in extra)) r.radioKey = r.key;
  return r;
}

/** A NodeDB dump as the engine feeds it: the real translation, then the directory. */
export function ingestDump(directory: KeyDirectory, d: NodeDbDump, policy: KeyPolicy): { counts: MergeCounts; ownNodeOnly: boolean } {
  const observations = observeDump(d);
  if (observations === null) return { counts: { checked: 0, nodesAdded: 0, added: 0, updated: 0, pinned: 0, unchanged: 0 }, ownNodeOnly: true };
  return { counts: directory.ingest(observations, "nodedb", policy), ownNodeOnly: false };
}

/** A key from a live packet, as the engine feeds it. */
export function ingestKeySeen(directory: KeyDirectory, seen: KeySeen, policy: KeyPolicy): { counts: MergeCounts } {
  return { counts: directory.ingest([observeKeySeen(seen)], "packet", policy) };
}
