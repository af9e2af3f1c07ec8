// One node of the key directory, and its public read model (CONTRACT.md `nodes/<id>`).
// Records are treated as immutable values: merge builds new ones, the directory swaps them.
import { createHash } from "node:crypto";
import { nodeId } from "../node-id.js";

/**
 * Where the key we hold came from. "nodedb": our radio's NodeDB dump; "packet": a live
 * packet (NODEINFO_APP or a PKI DM); "gateway:<name>": another bridge shared it; "store":
 * known only from our own file, not (yet) confirmed by anything in this run;
 * "uplink:<gateway id>": a NodeInfo a radio published to the mesh's MQTT uplink, a claim
 * anyone on that broker could have made (uplink-trust.ts).
 */
export type KeySource = "nodedb" | "packet" | "store" | `gateway:${string}` | `uplink:${string}`;

/** CONTRACT.md `status`, in order of precedence. */
export type NodeStatus = "weak" | "duplicate" | "changed" | "radio_stale" | "missing" | "ok";

export type KeyPolicy = "alert" | "pin";

export interface KeyRecord {
  num: number;
  /** "!a76f40da" */
  id: string;
  longName: string;
  shortName: string;
  /** Exactly 32 bytes, or null when we know no key for the node. */
  key: Uint8Array | null;
  /** Full SHA-256 hex of `key`: the low-entropy list and duplicate grouping use it. */
  keyHash: string | null;
  /** First 16 hex chars of `keyHash`; null when there is no key. */
  fingerprint: string | null;
  /** Source of the held key in this run; null when there is no key. */
  source: KeySource | null;
  /** Source that first gave us the held key; persisted, so it survives a restart as "store" does not. */
  origin: KeySource | null;
  /** Unix seconds: earliest time the node is known to exist (our clock, or the radio's last_heard if earlier). */
  firstSeen: number;
  /** Unix seconds the node was last heard over the air, as far as we know; 0 when unknown. */
  lastSeen: number;
  /** Unix seconds a different key was last seen for the node (under either policy); null if never. */
  keyChangedAt: number | null;
  verified: boolean;
  ignored: boolean;
  /** Policy pin: the new key we saw and did not take, until accept_key. */
  pendingKey: Uint8Array | null;
  pendingSource: KeySource | null;
  /** Set by a key change under either policy; cleared only by accept_key or reject_key. */
  changed: boolean;
  /**
   * The confirmed key: the last key that was never `changed`, or that accept_key accepted.
   * Only this key leaves the bridge (sharing, push). Null when `key` is null, and while the
   * held key is an uplink claim nobody confirmed (uplink-trust.ts); else the same bytes as
   * `key` unless the node is `changed` under policy alert.
   */
  confirmedKey: Uint8Array | null;
  /** Where the confirmed key came from (`origin` of the confirmed key). */
  confirmedOrigin: KeySource | null;
  /**
   * The key our radio's NodeDB held in its last complete dump (null: none, or not in it).
   * Firmware keeps the first key it learned (NodeDB::updateUser), so this can lag behind
   * what the node broadcasts.
   */
  radioKey: Uint8Array | null;
  /** The node was in the radio's last complete dump. */
  inRadio: boolean;
  /**
   * What our radio last reported of the node's User besides names and key, as the radio edge
   * packs it (radio/user-traits.ts; opaque here, one small integer a node): a push puts it
   * back into add_contact, which stores the whole User. 0: nothing known.
   */
  traits: number;
  /**
   * Firmware 2.8: a NodeInfo of the node was signature-verified, by our radio
   * (NodeInfo.has_xeddsa_signed) or by our own check of an uplinked one. Once true it stays:
   * the firmware refuses unsigned identity updates from a node that has signed.
   */
  signed: boolean;
  /** What the trust rules remember beyond the keys; NO_NOTES for almost every node. */
  notes: TrustNotes;
}

/** Rarely set, so kept together: one shared empty object instead of four fields per node. */
export interface TrustNotes {
  /** Fingerprints reject_key refused for this node: heard again, they raise nothing. */
  readonly rejected: readonly string[];
  /** Fingerprints that were confirmed once and replaced by accept_key. */
  readonly former: readonly string[];
  /** The radio key a `radio_key_stale` was raised for: once per node and key. */
  readonly staleNoted: string | null;
  /** The key a `key_conflict` was raised for: once per node and key. */
  readonly conflictNoted: string | null;
  /** Firmware 2.8: the node number of the new identity that replaced this node (identity.ts). */
  readonly replacedBy: number | null;
}

export const NO_NOTES: TrustNotes = Object.freeze({ rejected: Object.freeze([]), former: Object.freeze([]), staleNoted: null, conflictNoted: null, replacedBy: null });

/** `notes` with some fields changed; NO_NOTES again when nothing is left in them. */
export function withNotes(notes: TrustNotes, change: Partial<TrustNotes>): TrustNotes {
  const next = { ...notes, ...change };
  const empty = next.rejected.length === 0 && next.former.length === 0 && next.staleNoted === null && next.conflictNoted === null && next.replacedBy === null;
  return empty ? NO_NOTES : next;
}

/** At most this many rejected / former fingerprints are remembered per node. */
export const MAX_REMEMBERED = 8;

/** Exactly the `nodes/<id>` payload. Public keys only: never a private key. */
export interface NodeView {
  id: string;
  num: number;
  long_name: string;
  short_name: string;
  has_key: boolean;
  key_fingerprint: string | null;
  key_source: KeySource | null;
  status: NodeStatus;
  verified: boolean;
  ignored: boolean;
  first_seen: number;
  key_changed_at: number | null;
  /** Base64 of the held key, as the Meshtastic apps show keys. */
  public_key: string | null;
  /** A heard key kept aside under pin, else null. */
  pending_fingerprint: string | null;
  /** The key the radio's NodeDB holds, null when none. */
  radio_fingerprint: string | null;
  /** The node was in the radio's last complete dump. */
  in_radio: boolean;
  /**
   * The held key is the confirmed one, the only key that may leave the bridge. false: no key,
   * a changed key nobody accepted yet, or an uplink claim nobody confirmed.
   */
  confirmed: boolean;
  /** Firmware 2.8: the node's NodeInfo was signature-verified. */
  signed: boolean;
  /** Firmware 2.8: the node id of the new identity that replaced this node (a re-flash), else null. */
  replaced_by: string | null;
}

export const KEY_LENGTH = 32;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** CONTRACT.md key_fingerprint: first 16 hex chars of SHA-256 of the key. */
export function fingerprintOf(key: Uint8Array): string {
  return sha256Hex(key).slice(0, 16);
}

/** A usable public key: firmware sends an empty key when it has none, so anything but 32 bytes is "no key". */
export function isKey(key: Uint8Array | null | undefined): key is Uint8Array {
  return key != null && key.length === KEY_LENGTH;
}

export function sameKey(a: Uint8Array | null, b: Uint8Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  // A plain loop: this compares every known key on every sync.
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The key-derived fields of a record, always set together so they never disagree. */
export function keyFields(key: Uint8Array | null): Pick<KeyRecord, "key" | "keyHash" | "fingerprint"> {
  if (key === null) return { key: null, keyHash: null, fingerprint: null };
  const keyHash = sha256Hex(key);
  // Buffer.from takes small copies from Node's shared pool: a key then costs its 32 bytes and
  // a view, not an ArrayBuffer of its own (~200 bytes a node in a 10,000-node directory).
  const pooled = Buffer.from(key);
  return { key: new Uint8Array(pooled.buffer, pooled.byteOffset, pooled.length), keyHash, fingerprint: keyHash.slice(0, 16) };
}

/**
 * A record with every field set in one object literal, in the interface's order. V8 keeps the
 * fields of such a literal inside the object; a record built from a literal with a spread in
 * the middle (or from a spread of one) carried two of its fields in a separate property
 * array: 24 more bytes a node. The records that `{ ...record, field }` copies keep this layout.
 */
export function recordOf(r: Readonly<KeyRecord>): KeyRecord {
  return {
    num: r.num,
    id: r.id,
    longName: r.longName,
    shortName: r.shortName,
    key: r.key,
    keyHash: r.keyHash,
    fingerprint: r.fingerprint,
    source: r.source,
    origin: r.origin,
    firstSeen: r.firstSeen,
    lastSeen: r.lastSeen,
    keyChangedAt: r.keyChangedAt,
    verified: r.verified,
    ignored: r.ignored,
    pendingKey: r.pendingKey,
    pendingSource: r.pendingSource,
    changed: r.changed,
    confirmedKey: r.confirmedKey,
    confirmedOrigin: r.confirmedOrigin,
    radioKey: r.radioKey,
    inRadio: r.inRadio,
    traits: r.traits,
    signed: r.signed,
    notes: r.notes,
  };
}

export function toView(record: Readonly<KeyRecord>, status: NodeStatus): NodeView {
  return {
    id: record.id,
    num: record.num,
    long_name: record.longName,
    short_name: record.shortName,
    has_key: record.key !== null,
    key_fingerprint: record.fingerprint,
    key_source: record.key === null ? null : record.source,
    status,
    verified: record.verified,
    ignored: record.ignored,
    first_seen: record.firstSeen,
    key_changed_at: record.keyChangedAt,
    public_key: record.key === null ? null : Buffer.from(record.key).toString("base64"),
    pending_fingerprint: fingerprintFor(record, record.pendingKey),
    radio_fingerprint: fingerprintFor(record, record.radioKey),
    in_radio: record.inRadio,
    confirmed: record.key !== null && (record.confirmedKey === record.key || sameKey(record.confirmedKey, record.key)),
    signed: record.signed,
    replaced_by: record.notes.replacedBy === null ? null : nodeId(record.notes.replacedBy),
  };
}

/** A key's fingerprint, without hashing again when it is the held or confirmed key (the usual case). */
export function fingerprintFor(record: Readonly<KeyRecord>, key: Uint8Array | null): string | null {
  if (key === null) return null;
  if (key === record.key || sameKey(key, record.key)) return record.fingerprint;
  return fingerprintOf(key);
}

/** CONTRACT.md radio_stale: the radio's NodeDB holds a key other than the confirmed one. */
export function radioStale(record: Pick<KeyRecord, "radioKey" | "confirmedKey">): boolean {
  return record.radioKey !== null && record.confirmedKey !== null && !sameKey(record.radioKey, record.confirmedKey);
}

export function sameView(a: NodeView, b: NodeView): boolean {
  return (Object.keys(a) as (keyof NodeView)[]).every((field) => a[field] === b[field]);
}
