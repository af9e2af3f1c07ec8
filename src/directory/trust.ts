// Pure trust rules over one record: the held, confirmed and radio keys of a node, and what
// accept_key and reject_key do to them. Why three keys (FIRMWARE.md): the firmware keeps the
// first key it learned (firmware src/mesh/NodeDB.cpp NodeDB::updateUser, "Public Key
// mismatch, dropping NodeInfo"), yet the NodeInfo still reaches the client. After a node is
// re-flashed we hear its new key on the air while every NodeDB dump keeps the old one, so
// "the key the radio reports" and "the key we hold" must be kept apart, or each sync would
// flip the key back.
import type { KeyEvent } from "./events.js";
import {
  fingerprintFor,
  keyFields,
  MAX_REMEMBERED,
  radioStale,
  sameKey,
  withNotes,
  type KeyRecord,
  type KeySource,
} from "./record.js";

/** How a key a source reports for a known node relates to the keys we know for it. */
export type KeyRelation =
  /** The key we hold. */
  | "held"
  /** The new key kept aside under pin. */
  | "pending"
  /** reject_key refused it. */
  | "rejected"
  /** The radio still reports the key it reported last time: the radio's trust, not news. */
  | "radio"
  /** The confirmed key, while we hold (or keep pending) a newer one. */
  | "confirmed"
  /** A key that was confirmed once, replaced by accept_key. */
  | "former"
  /** A key we have never seen for this node. */
  | "new";

export function relationOf(record: Readonly<KeyRecord>, key: Uint8Array, source: KeySource): KeyRelation {
  if (sameKey(key, record.key)) return "held";
  if (record.pendingKey !== null && sameKey(key, record.pendingKey)) return "pending";
  if (source === "nodedb" && record.radioKey !== null && sameKey(key, record.radioKey)) return "radio";
  if (record.confirmedKey !== null && sameKey(key, record.confirmedKey)) return "confirmed";
  // Only a key that is none of the above costs a hash.
  const { rejected, former } = record.notes;
  if (rejected.length === 0 && former.length === 0) return "new";
  const fingerprint = fingerprintFor(record, key) as string;
  if (rejected.includes(fingerprint)) return "rejected";
  if (former.includes(fingerprint)) return "former";
  return "new";
}

/**
 * The old key heard on the air while we hold a newer one: two live devices claim one node
 * number (or an impersonator replays the old NodeInfo). True when a live packet brings the
 * confirmed key of a `changed` node (or a former key), and the radio's own echo is excluded:
 * a NodeDB dump reporting the old key is the radio's trust on first use, not a second device.
 */
export function isConflict(record: Readonly<KeyRecord>, key: Uint8Array, source: KeySource): boolean {
  if (source !== "packet") return false;
  if (record.changed && sameKey(key, record.confirmedKey) && (record.pendingKey !== null || !sameKey(record.key, record.confirmedKey))) return true;
  const { former } = record.notes;
  return former.length > 0 && !sameKey(key, record.key) && former.includes(fingerprintFor(record, key) as string);
}

/** One key_conflict per node and conflicting key; `from`: where the conflicting key came from, when it was an uplink claim. */
export function noteConflict(record: KeyRecord, key: Uint8Array, events: KeyEvent[], from?: KeySource): KeyRecord {
  const heard = fingerprintFor(record, key) as string;
  if (record.notes.conflictNoted === heard) return record;
  const current = fingerprintFor(record, record.pendingKey ?? record.key) as string;
  const source = from === undefined ? {} : { conflicting_source: from };
  events.push({ type: "key_conflict", data: { id: record.id, fingerprint: current, conflicting_fingerprint: heard, ...source } });
  return { ...record, notes: withNotes(record.notes, { conflictNoted: heard }) };
}

/** What a complete NodeDB dump says the radio holds; `prev` itself when that did not change. */
export function withRadio(record: KeyRecord, key: Uint8Array | null): KeyRecord {
  if (record.inRadio && sameKey(record.radioKey, key)) return record;
  // Share the bytes with the held key when they are the same: no second copy per node.
  const radioKey = key === null ? null : sameKey(key, record.key) ? record.key : keyFields(key).key;
  return { ...record, radioKey, inRadio: true };
}

/** The node was not in the radio's last complete dump (evicted, removed, or never there). */
export function leftRadio(record: KeyRecord): KeyRecord {
  return record.inRadio || record.radioKey !== null ? { ...record, inRadio: false, radioKey: null } : record;
}

/**
 * One radio_key_stale per node and radio key, when the radio holds a key other than the
 * confirmed one. Not while the node is `changed`: its key_changed already says so, and the
 * check runs again when accept_key or reject_key settles it.
 */
export function noteRadioStale(record: KeyRecord, events: KeyEvent[]): KeyRecord {
  if (record.changed || !radioStale(record)) return record;
  const radio = fingerprintFor(record, record.radioKey) as string;
  if (record.notes.staleNoted === radio) return record;
  const confirmed = fingerprintFor(record, record.confirmedKey) as string;
  events.push({ type: "radio_key_stale", data: { id: record.id, radio_fingerprint: radio, confirmed_fingerprint: confirmed } });
  return { ...record, notes: withNotes(record.notes, { staleNoted: radio }) };
}

function remember(list: readonly string[], fingerprint: string | null): readonly string[] {
  if (fingerprint === null || list.includes(fingerprint)) return list;
  return [...list, fingerprint].slice(-MAX_REMEMBERED);
}

/**
 * accept_key: the new key (held under alert, pending under pin) becomes held and confirmed;
 * the node leaves `changed`. The replaced confirmed key is remembered as former, so hearing it
 * on the air again is a key_conflict. `prev` itself when there is nothing to accept.
 */
export function acceptRecord(prev: KeyRecord, now: number): KeyRecord {
  // An uplink claim nobody confirmed (confirmedKey null) is accepted as it is.
  if (!prev.changed && prev.pendingKey === null && !(prev.key !== null && prev.confirmedKey === null)) return prev;
  let next: KeyRecord = { ...prev, changed: false };
  if (prev.pendingKey !== null) {
    const source = prev.pendingSource ?? "packet";
    next = { ...next, ...keyFields(prev.pendingKey), source, origin: source, keyChangedAt: now, pendingKey: null, pendingSource: null };
  }
  const former = sameKey(next.key, prev.confirmedKey) ? prev.notes.former : remember(prev.notes.former, fingerprintFor(prev, prev.confirmedKey));
  next.confirmedKey = next.key;
  next.confirmedOrigin = next.origin;
  next.notes = withNotes(prev.notes, { former, rejected: prev.notes.rejected.filter((f) => f !== next.fingerprint) });
  return next;
}

/**
 * reject_key: the new key is judged an impersonation. The held key returns to the confirmed
 * one, the rejected key is remembered (heard again, it raises nothing), the node leaves
 * `changed`. null when the node has no changed key to reject.
 */
export function rejectRecord(prev: KeyRecord): KeyRecord | null {
  if (!prev.changed) return null;
  const refused = prev.pendingKey ?? (sameKey(prev.key, prev.confirmedKey) ? null : prev.key);
  let next: KeyRecord = { ...prev, changed: false, pendingKey: null, pendingSource: null };
  if (refused !== null) next.notes = withNotes(prev.notes, { rejected: remember(prev.notes.rejected, fingerprintFor(prev, refused)) });
  // An uplink claim with another claim pinned beside it has no confirmed key to return to: it stays held, unconfirmed.
  if (prev.confirmedKey !== null && !sameKey(prev.key, prev.confirmedKey)) {
    const origin = prev.confirmedOrigin;
    next = { ...next, ...keyFields(prev.confirmedKey), source: origin, origin };
    next.confirmedKey = next.key;
  }
  return next;
}
