// The trust fields of a node in the store files (format version 3), pure: the confirmed and
// radio keys, whether the node was in the radio, and the trust notes. Keys equal to the held
// one and empty notes are left out, so the usual node costs what it did in version 2.
// A node without these fields (versions 1 and 2) is migrated: its held key becomes the
// confirmed one. A node `changed` under alert had already dropped its old key then, so there
// is nothing older to confirm (it stays `changed` until accept_key or reject_key). What the
// radio holds is unknown until the first dump, which the handshake brings at start-up.
// Since version 6 a held key of uplink origin may have no confirmed key (`confirmed_key: null`):
// a claim nobody confirmed (uplink-trust.ts).
import { NO_NOTES, sameKey, withNotes, type KeyRecord, type KeySource } from "./record.js";
import { isUplink } from "./uplink-trust.js";

export interface TrustFileFields {
  confirmed_key?: string | null;
  confirmed_source?: KeySource | null;
  radio_key?: string | null;
  in_radio?: boolean;
  rejected?: readonly string[];
  former?: readonly string[];
  stale_noted?: string | null;
  conflict_noted?: string | null;
  /** Version 6: the node number of the identity that replaced this node. */
  replaced_by?: number | null;
}

/** Reads one node's optional fields; each throws StoreCorruptError on a bad value. */
export interface TrustReaders {
  /** undefined when absent. */
  key(name: string): Uint8Array | null | undefined;
  source(name: string): KeySource | null | undefined;
  /** The value when absent or passing `ok`. */
  check<T>(name: string, ok: (v: unknown) => boolean): T | undefined;
  fail(message: string): never;
}

const b64 = (key: Uint8Array | null): string | null => (key === null ? null : Buffer.from(key).toString("base64"));
const isFingerprint = (v: unknown): boolean => typeof v === "string" && /^[0-9a-f]{16}$/.test(v);
const isFingerprintOrNull = (v: unknown): boolean => v === null || isFingerprint(v);
const isNodeNumOrNull = (v: unknown): boolean => v === null || (Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff);
const isFingerprints = (v: unknown): boolean => Array.isArray(v) && v.every(isFingerprint);

export function trustFields(r: Readonly<KeyRecord>): TrustFileFields {
  const out: TrustFileFields = { in_radio: r.inRadio };
  if (!sameKey(r.confirmedKey, r.key)) out.confirmed_key = b64(r.confirmedKey);
  if (r.confirmedOrigin !== r.origin) out.confirmed_source = r.confirmedOrigin;
  if (!sameKey(r.radioKey, r.key)) out.radio_key = b64(r.radioKey);
  if (r.notes !== NO_NOTES) {
    out.rejected = r.notes.rejected;
    out.former = r.notes.former;
    out.stale_noted = r.notes.staleNoted;
    out.conflict_noted = r.notes.conflictNoted;
    out.replaced_by = r.notes.replacedBy;
  }
  return out;
}

/**
 * `record` (the version 1/2 fields, with `key` and `origin` set) completed with the trust
 * fields of its file node; a node that has none (`in_radio` absent) is migrated.
 */
export function readTrust(record: Omit<KeyRecord, "confirmedKey" | "confirmedOrigin" | "radioKey" | "inRadio" | "notes">, node: Record<string, unknown>, read: TrustReaders): KeyRecord {
  const inRadio = read.check<boolean>("in_radio", (v) => typeof v === "boolean");
  if (inRadio === undefined) {
    return { ...record, confirmedKey: record.key, confirmedOrigin: record.origin, radioKey: null, inRadio: false, notes: NO_NOTES };
  }
  const confirmedKey = read.key("confirmed_key") ?? (node.confirmed_key === null ? null : record.key);
  const radioKey = read.key("radio_key") ?? (node.radio_key === null ? null : record.key);
  const confirmedSource = read.source("confirmed_source");
  const claim = record.key !== null && confirmedKey === null && isUplink(record.origin);
  if ((confirmedKey === null) !== (record.key === null) && !claim) read.fail("confirmed_key must be set exactly when key is (or be null for an uplink claim)");
  return {
    ...record,
    // Shared bytes when equal to the held key: one copy per node, as merge keeps it.
    confirmedKey: sameKey(confirmedKey, record.key) ? record.key : confirmedKey,
    confirmedOrigin: confirmedKey === null ? null : ((confirmedSource === undefined ? record.origin : confirmedSource) ?? "store"),
    radioKey: sameKey(radioKey, record.key) ? record.key : radioKey,
    inRadio,
    notes: withNotes(NO_NOTES, {
      rejected: read.check<string[]>("rejected", isFingerprints) ?? [],
      former: read.check<string[]>("former", isFingerprints) ?? [],
      staleNoted: read.check<string | null>("stale_noted", isFingerprintOrNull) ?? null,
      conflictNoted: read.check<string | null>("conflict_noted", isFingerprintOrNull) ?? null,
      replacedBy: read.check<number | null>("replaced_by", isNodeNumOrNull) ?? null,
    }),
  };
}
