// Pure trust rules for keys from the mesh's MQTT uplink (CONTRACT.md "The mesh's MQTT uplink").
// Anyone who can publish on a broker can publish a NodeInfo with any key for any node number,
// so an uplink key is a claim: the lowest rank there is. It fills a node that has no key, but
// it never replaces a key that our radio, a trusted gateway or our own file of those vouches
// for: a contradiction is evidence (one key_conflict per node and key, remembered in the
// record's notes, so neither a restart nor a replay raises it again) and changes nothing held.
// Under `uplink.trust: claim` the claim is held but not confirmed (confirmedKey null), and only
// the confirmed key ever leaves the bridge (shareable.ts), so a claim is never pushed, shared
// or served until our radio or a trusted gateway reports the same key, or accept_key.
import { numberedByKey } from "./identity.js";
import type { KeyEvent } from "./events.js";
import { keyFields, sameKey, type KeyRecord, type KeySource } from "./record.js";
import { noteConflict, relationOf } from "./trust.js";

/** `uplink.trust`: "claim" (default) or "confirmed" (a closed broker of one's own: as a trusted gateway). */
export type UplinkTrust = "claim" | "confirmed";

/** What a source reports beyond the key that bears on an uplink key's trust. */
export interface UplinkFacts {
  num: number;
  key: Uint8Array | null;
  /** Firmware 2.8: the NodeInfo's signature was verified (NodeInfo.has_xeddsa_signed). */
  signed?: boolean;
}

export function isUplink(source: KeySource | null): source is `uplink:${string}` {
  return source !== null && source.startsWith("uplink:");
}

/** A source whose word stands above a claim: our radio, a gateway we merge, our own file. */
function vouching(source: KeySource | null): boolean {
  return source !== null && !isUplink(source);
}

/** The node's key stands on more than an uplink claim: the held one's origin, or the confirmed one's. */
export function vouchedFor(record: Readonly<KeyRecord>): boolean {
  return vouching(record.origin) || vouching(record.confirmedOrigin);
}

/** The held key is an uplink claim nobody confirmed yet. */
export function unconfirmedClaim(record: Pick<KeyRecord, "key" | "confirmedKey">): boolean {
  return record.key !== null && record.confirmedKey === null;
}

/**
 * THE place where a self-certified NodeInfo counts as confirmed even under `trust: claim`:
 * firmware 2.8 signs NodeInfo broadcasts (XEdDSA) and derives a node's number from its key,
 * so a NodeInfo whose signature verified (`signed`) and whose number is crc32(key) could only
 * have been made by the holder of that key's private half (FIRMWARE.md, "Firmware 2.8").
 * Whoever sets `signed` on an observation must have checked the signature itself.
 */
export function selfCertified(facts: UplinkFacts): boolean {
  return facts.signed === true && numberedByKey(facts);
}

/** An uplink key is confirmed as it comes: by `trust: confirmed`, or because it certifies itself. */
export function uplinkConfirms(facts: UplinkFacts, trust: UplinkTrust): boolean {
  return trust === "confirmed" || selfCertified(facts);
}

/** The confirmed key and its origin for a key that fills a node from `source`. */
export function confirmationOnFill(key: Uint8Array | null, source: KeySource, confirms: boolean): Pick<KeyRecord, "confirmedKey" | "confirmedOrigin"> {
  if (key === null || (isUplink(source) && !confirms)) return { confirmedKey: null, confirmedOrigin: null };
  return { confirmedKey: key, confirmedOrigin: source };
}

/** The held key becomes the confirmed one, vouched for by `source` (no alert: nothing changed). */
function confirmHeld(record: KeyRecord, source: KeySource): KeyRecord {
  return { ...record, confirmedKey: record.key, confirmedOrigin: source };
}

/**
 * An uplink source reports `key` for a node that holds a key (`next`: `prev` with the
 * observation's names and times already applied). Counts pinned key changes into `pinned`.
 */
export function uplinkUpdate(
  prev: Readonly<KeyRecord>,
  next: KeyRecord,
  key: Uint8Array,
  source: `uplink:${string}`,
  confirms: boolean,
  /** The observation itself was a signed (self-certified, for the uplink) NodeInfo. */
  signed: boolean,
  now: number,
  events: KeyEvent[],
): { record: KeyRecord; pinned: boolean } {
  const relation = relationOf(prev, key, source);
  if (relation === "held") return { record: unconfirmedClaim(next) && confirms ? confirmHeld(next, source) : next, pinned: false };
  // Keys we know for the node already: kept aside, refused by the user, or what the radio holds.
  if (relation === "pending" || relation === "rejected" || relation === "radio") return { record: next, pinned: false };
  // A claim against what our radio or a trusted gateway told us: evidence, never a change,
  // not even of the names the forged NodeInfo carries. So is an unsigned claim against a node
  // that has signed (firmware 2.8 refuses unsigned identity updates from a signer, too).
  if (vouchedFor(prev) || (prev.signed && !signed)) return { record: noteConflict(prev, key, events, source), pinned: false };
  if (relation !== "new") return { record: next, pinned: false };
  // Firmware 2.8: a self-certified NodeInfo outranks an unsigned claim for the node (issue 27):
  // only the holder of the key could have sent it, so it replaces the claim, confirmed, and
  // the claim it replaces is named in one key_conflict.
  if (!prev.signed && selfCertified({ num: prev.num, key, signed })) {
    return { record: replaceClaim(prev, next, key, source, events), pinned: false };
  }
  // Only uplink ever described this node: claim against claim. Always kept aside as under pin,
  // whatever key.policy says: two gateways relaying different NodeInfos for one number (an
  // old one replayed, or a forgery) would otherwise flip the held key at every envelope.
  const fields = keyFields(key);
  events.push({
    type: "key_changed",
    data: { id: prev.id, old_fingerprint: prev.fingerprint as string, new_fingerprint: fields.fingerprint as string, action: "pinned", old_source: prev.source, new_source: source },
  });
  return { record: { ...next, pendingKey: fields.key, pendingSource: source, changed: true, keyChangedAt: now }, pinned: true };
}

/**
 * Our radio or a trusted gateway reports `key` for a node whose held key is only an uplink
 * claim. The same key: the claim is confirmed, silently. A different key: it replaces the
 * claim (nothing ever left the bridge with it) and the claim is named in one key_conflict.
 * null: the rule does not apply (the node's key is vouched for, or confirmed already).
 */
export function vouchOverClaim(prev: Readonly<KeyRecord>, next: KeyRecord, key: Uint8Array, source: KeySource, events: KeyEvent[]): KeyRecord | null {
  if (isUplink(source) || prev.key === null || vouchedFor(prev)) return null;
  const held = relationOf(prev, key, source) === "held";
  if (held) {
    // A confirmed claim (accept_key, trust: confirmed) now also stands on our radio.
    if (next.changed && !unconfirmedClaim(next)) return null;
    return { ...confirmHeld(next, source), source };
  }
  if (!unconfirmedClaim(prev)) return null;
  return replaceClaim(prev, next, key, source, events);
}

/** `key` from `source` takes the place of the claim `prev` held, confirmed; one key_conflict names the claim. */
function replaceClaim(prev: Readonly<KeyRecord>, next: KeyRecord, key: Uint8Array, source: KeySource, events: KeyEvent[]): KeyRecord {
  const claim = prev.key as Uint8Array;
  const fields = keyFields(key);
  // The bytes the radio holds, if they are this key, are shared with it.
  const radioKey = sameKey(next.radioKey, fields.key) ? fields.key : next.radioKey;
  const taken: KeyRecord = {
    ...next,
    ...fields,
    source,
    origin: source,
    confirmedKey: fields.key,
    confirmedOrigin: source,
    pendingKey: null,
    pendingSource: null,
    changed: false,
    radioKey,
  };
  return noteConflict(taken, claim, events, prev.origin ?? undefined);
}
