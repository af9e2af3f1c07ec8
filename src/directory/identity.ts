// Firmware 2.8 makes a re-flash a new identity: the wiped device comes back with a new key
// *and* a new number, crc32(new key), and the radio accepts it at once; the old entry keeps
// its old key and simply goes silent (FIRMWARE.md, "Firmware 2.8", measured). Nothing on
// the air links the two, so the directory links them by advice: the same user (long name,
// short name, hardware and role) on a node that went silent when a self-numbered one
// appeared. Names are free text, so the link never moves a key: it raises one
// `identity_replaced`, marks the old node (`replaced_by`) and keeps its key from leaving the
// bridge. Pure; KeyDirectory.ingest runs it after each merge and applies the result. It
// looks through the directory only when a new node numbered by its key appeared (every
// new node on a 2.8 mesh, practically none elsewhere): once per ingest, not per node.
import { crc32 } from "./crc32.js";
import type { IdentityReplacedEvent } from "./events.js";
import { isKey, sameKey, withNotes, type KeyRecord } from "./record.js";

/** What the rule reads of a node; a KeyRecord is one. */
export interface IdentityFacts {
  num: number;
  longName: string;
  shortName: string;
  /** The radio's User traits (hardware model, role, ...), opaque; 0 when unknown. */
  traits: number;
  key: Uint8Array | null;
  firstSeen: number;
  lastSeen: number;
  /** `replacedBy`: the node number that replaced this one, or null. */
  notes: { readonly replacedBy: number | null };
  /** Firmware 2.8: the node's NodeInfo was signature-verified. */
  signed: boolean;
}

/** `identity_replaced` evidence, as published (CONTRACT.md `bridge/event`). */
export interface IdentityEvidence {
  long_name: string;
  short_name: string;
  /** Hardware model, role and flags as the radio reported them were equal. */
  same_hardware: true;
  /** The new node's number is crc32 of its key: a 2.8 identity, as a re-flash creates. */
  numbered_by_key: true;
  /** The new node's NodeInfo was signature-verified (it holds the key it claims). */
  signed: boolean;
  /** Unix seconds the old node was last heard; it has not been heard since the new one appeared. */
  old_last_heard: number;
  new_first_seen: number;
}

export interface IdentityLink {
  oldNum: number;
  newNum: number;
  evidence: IdentityEvidence;
}

/** The index key under which nodes with the same user are found; null for a node the rule never links. */
export function identityKey(node: Pick<IdentityFacts, "longName" | "shortName" | "traits">): string | null {
  // Without names or hardware there is nothing but a coincidence to link on.
  if (node.longName === "" || node.shortName === "" || node.traits === 0) return null;
  return `${node.traits}\u0000${node.shortName}\u0000${node.longName}`;
}

/** A node created by a 2.8 identity: its number derives from its key. */
export function numberedByKey(node: Pick<IdentityFacts, "num" | "key">): boolean {
  return isKey(node.key) && crc32(node.key) === node.num >>> 0;
}

/**
 * The node `fresh` replaced, among `sameUser` (the nodes with its identityKey), or null.
 * Exactly one silent candidate links; two or more are ambiguous (two devices named alike) and
 * link none, since a wrong link would mute a live node's key.
 */
export function replacedBy(fresh: IdentityFacts, sameUser: Iterable<IdentityFacts>): IdentityLink | null {
  if (!numberedByKey(fresh) || identityKey(fresh) === null) return null;
  let found: IdentityFacts | null = null;
  for (const old of sameUser) {
    if (old.num === fresh.num || old.notes.replacedBy !== null || old.key === null) continue;
    if (identityKey(old) !== identityKey(fresh)) continue;
    if (sameKey(old.key, fresh.key)) continue; // the same key under a new number is a renumbering (health.ts)
    // Heard after the new identity appeared: two live devices, not a replacement.
    if (old.lastSeen > fresh.firstSeen) continue;
    if (found !== null) return null;
    found = old;
  }
  if (found === null) return null;
  return {
    oldNum: found.num,
    newNum: fresh.num,
    evidence: {
      long_name: fresh.longName,
      short_name: fresh.shortName,
      same_hardware: true,
      numbered_by_key: true,
      signed: fresh.signed,
      old_last_heard: found.lastSeen,
      new_first_seen: fresh.firstSeen,
    },
  };
}

/** A change of one ingest: the node's record before it (null: new) and after. */
export interface IdentityChange {
  prev: Readonly<KeyRecord> | null;
  next: KeyRecord;
}

/**
 * The old nodes the new identities of one ingest replaced, each with its record marked
 * (`notes.replacedBy`) and its `identity_replaced` event. `changes` are the ingest's;
 * `records` the directory's (older versions of changed nodes are skipped). A new identity is
 * a node that got its first key here; the scan of `records` runs only when one of those is
 * numbered by its key, which outside 2.8 meshes practically never happens.
 */
export function linkReplacements(changes: readonly IdentityChange[], records: Iterable<Readonly<KeyRecord>>): { next: KeyRecord; event: IdentityReplacedEvent }[] {
  const fresh = changes.filter((c) => (c.prev === null || c.prev.key === null) && numberedByKey(c.next) && identityKey(c.next) !== null).map((c) => c.next);
  if (fresh.length === 0) return [];
  const wanted = new Set(fresh.map((r) => identityKey(r)));
  const latest = new Map<number, Readonly<KeyRecord>>(changes.map((c) => [c.next.num, c.next]));
  const byUser = new Map<string, Readonly<KeyRecord>[]>();
  const index = (record: Readonly<KeyRecord>): void => {
    const key = identityKey(record);
    if (key === null || !wanted.has(key)) return;
    const list = byUser.get(key);
    if (list) list.push(record);
    else byUser.set(key, [record]);
  };
  for (const record of latest.values()) index(record);
  for (const record of records) if (!latest.has(record.num)) index(record);
  const linked: { next: KeyRecord; event: IdentityReplacedEvent }[] = [];
  for (const record of fresh) {
    const sameUser = byUser.get(identityKey(record) as string) ?? [];
    const link = replacedBy(record, sameUser);
    if (link === null) continue;
    const old = sameUser.find((r) => r.num === link.oldNum) as Readonly<KeyRecord>;
    const next: KeyRecord = { ...old, notes: withNotes(old.notes, { replacedBy: link.newNum }) };
    // A second new identity in the same batch must not link the same old node again.
    sameUser[sameUser.indexOf(old)] = next;
    linked.push({ next, event: { type: "identity_replaced", data: { old_id: old.id, new_id: record.id, evidence: link.evidence } } });
  }
  return linked;
}

/**
 * A node marked replaced that is heard again on the air is alive: two devices with one user,
 * not a replacement. The mark goes (the link was advice), and with it the key's hold.
 */
export function heardAgain(record: KeyRecord, live: boolean): KeyRecord {
  return live && record.notes.replacedBy !== null ? { ...record, notes: withNotes(record.notes, { replacedBy: null }) } : record;
}
