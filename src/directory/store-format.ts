// The store file's format, pure: records ⇄ JSON text. Versioned so that an older bridge
// refuses a file a newer one wrote instead of silently dropping what it cannot read.
// Version 2 adds the trust fields (confirmed and radio keys, rejected and former keys, the
// once-only notes); a version 1 file is migrated on load (migrateV1 below).
import { nodeId } from "../node-id.js";
import { isKey, keyFields, NO_NOTES, sameKey, withNotes, type KeyRecord, type KeySource } from "./record.js";

export const STORE_FORMAT = "meshtastic-keysync/keys";
export const STORE_VERSION = 2;

/** The file was written by a newer version: refuse it, never overwrite it (CLI: exit 2). */
export class StoreVersionError extends Error {
  override readonly name = "StoreVersionError";
  constructor(
    readonly path: string,
    readonly version: number,
  ) {
    super(
      `key store ${path} has format version ${version}, newer than the version ${STORE_VERSION} this ` +
        `meshtastic-keysync understands; upgrade meshtastic-keysync or point store.path elsewhere (the file was left untouched)`,
    );
  }
}

/** The file is not a readable store (truncated, not JSON, wrong shape). */
export class StoreCorruptError extends Error {
  override readonly name = "StoreCorruptError";
}

interface FileNode {
  num: number;
  id: string;
  long_name: string;
  short_name: string;
  key: string | null;
  source: KeySource | null;
  first_seen: number;
  last_seen: number;
  key_changed_at: number | null;
  verified: boolean;
  ignored: boolean;
  changed: boolean;
  pending_key: string | null;
  pending_source: KeySource | null;
  // Version 2. The two keys are left out when they are the held key (the usual case), which
  // keeps the file about the size of a version 1 file.
  confirmed_key?: string | null;
  confirmed_source?: KeySource | null;
  radio_key?: string | null;
  in_radio: boolean;
  // Left out when empty (almost every node).
  rejected?: readonly string[];
  former?: readonly string[];
  stale_noted?: string | null;
  conflict_noted?: string | null;
}

function b64(key: Uint8Array | null): string | null {
  return key === null ? null : Buffer.from(key).toString("base64");
}

export function serializeRecords(records: Iterable<Readonly<KeyRecord>>, savedAt: number): string {
  const nodes: FileNode[] = [...records]
    .sort((a, b) => a.num - b.num)
    .map((r) => {
      const node: FileNode = {
      num: r.num,
      id: r.id,
      long_name: r.longName,
      short_name: r.shortName,
      key: b64(r.key),
      // The original source, so that "where did this key come from" survives restarts.
      source: r.origin,
      first_seen: r.firstSeen,
      last_seen: r.lastSeen,
      key_changed_at: r.keyChangedAt,
      verified: r.verified,
      ignored: r.ignored,
      changed: r.changed,
      pending_key: b64(r.pendingKey),
      pending_source: r.pendingSource,
      in_radio: r.inRadio,
      };
      if (r.notes !== NO_NOTES) {
        node.rejected = r.notes.rejected;
        node.former = r.notes.former;
        node.stale_noted = r.notes.staleNoted;
        node.conflict_noted = r.notes.conflictNoted;
      }
      if (!sameKey(r.confirmedKey, r.key)) node.confirmed_key = b64(r.confirmedKey);
      if (r.confirmedOrigin !== r.origin) node.confirmed_source = r.confirmedOrigin;
      if (!sameKey(r.radioKey, r.key)) node.radio_key = b64(r.radioKey);
      return node;
    });
  return `${JSON.stringify({ format: STORE_FORMAT, version: STORE_VERSION, saved_at: savedAt, nodes }, null, 1)}\n`;
}

function fail(message: string): never {
  throw new StoreCorruptError(message);
}

function field<T>(node: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, at: number): T {
  const value = node[name];
  if (!ok(value)) fail(`nodes[${at}].${name} is invalid`);
  return value as T;
}

const isInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isIntOrNull = (v: unknown): boolean => v === null || isInt(v);
const isStr = (v: unknown): boolean => typeof v === "string";
const isBool = (v: unknown): boolean => typeof v === "boolean";
const isFingerprint = (v: unknown): boolean => typeof v === "string" && /^[0-9a-f]{16}$/.test(v);
const isFingerprintOrNull = (v: unknown): boolean => v === null || isFingerprint(v);
const isFingerprints = (v: unknown): boolean => Array.isArray(v) && v.every(isFingerprint);
const orAbsent = (ok: (v: unknown) => boolean) => (v: unknown): boolean => v === undefined || ok(v);
const isSource = (v: unknown): boolean =>
  v === null || v === "nodedb" || v === "packet" || v === "store" || (typeof v === "string" && /^gateway:.+/.test(v));

function decodeKey(value: unknown, name: string, at: number): Uint8Array | null {
  if (value === null) return null;
  const key = typeof value === "string" ? new Uint8Array(Buffer.from(value, "base64")) : null;
  if (!isKey(key)) fail(`nodes[${at}].${name} is not a 32-byte base64 key`);
  return key;
}

/**
 * Records from the file text. Throws StoreVersionError for a newer version and
 * StoreCorruptError for anything unreadable.
 */
export function parseStore(text: string, path: string): KeyRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(`not valid JSON (${(error as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || (doc as Record<string, unknown>).format !== STORE_FORMAT) {
    fail(`not a ${STORE_FORMAT} file`);
  }
  const { version, nodes } = doc as Record<string, unknown>;
  if (!Number.isSafeInteger(version) || (version as number) < 1) fail("missing or invalid version");
  if ((version as number) > STORE_VERSION) throw new StoreVersionError(path, version as number);
  if (!Array.isArray(nodes)) fail("nodes is not a list");
  const v1 = version === 1;
  return nodes.map((raw: unknown, at) => {
    if (typeof raw !== "object" || raw === null) fail(`nodes[${at}] is not an object`);
    const node = raw as Record<string, unknown>;
    const record = parseV1Fields(node, at);
    // Migration of version 1, which knew one key per node: its held key becomes the
    // confirmed one. A node `changed` under alert had already dropped its old key, so there
    // is nothing older to confirm (it stays `changed` until accept_key or reject_key). What
    // the radio holds is unknown until the first dump, which the handshake brings at start-up.
    return v1 ? record : parseTrust(record, node, at);
  });
}

/** The fields version 1 had, with the trust fields at their "nothing known" values (a version 1 node as version 2 reads it). */
function parseV1Fields(node: Record<string, unknown>, at: number): KeyRecord {
  const num = field<number>(node, "num", (v) => isInt(v) && (v as number) <= 0xffffffff, at);
  const key = decodeKey(node.key, "key", at);
  const origin = field<KeySource | null>(node, "source", isSource, at);
  const fields = keyFields(key);
  return {
    num,
    id: nodeId(num),
    longName: field<string>(node, "long_name", isStr, at),
    shortName: field<string>(node, "short_name", isStr, at),
    ...fields,
    // CONTRACT.md: key_source "store" = known from our own file, not from this run's
    // radio. After a restart nothing in this run has confirmed the key yet, so "store" is
    // the honest answer; the first dump, packet or gateway that reports the same key
    // upgrades it (merge.ts rank). The original source is kept in `origin`.
    source: key === null ? null : "store",
    origin: key === null ? null : (origin ?? "store"),
    firstSeen: field<number>(node, "first_seen", isInt, at),
    lastSeen: field<number>(node, "last_seen", isInt, at),
    keyChangedAt: field<number | null>(node, "key_changed_at", isIntOrNull, at),
    verified: field<boolean>(node, "verified", isBool, at),
    ignored: field<boolean>(node, "ignored", isBool, at),
    changed: field<boolean>(node, "changed", isBool, at),
    pendingKey: decodeKey(node.pending_key ?? null, "pending_key", at),
    pendingSource: field<KeySource | null>(node, "pending_source", (v) => v === undefined || isSource(v), at) ?? null,
    confirmedKey: fields.key,
    confirmedOrigin: key === null ? null : (origin ?? "store"),
    radioKey: null,
    inRadio: false,
    notes: NO_NOTES,
  };
}

function parseTrust(record: KeyRecord, node: Record<string, unknown>, at: number): KeyRecord {
  const optionalKey = (name: string): Uint8Array | null => (node[name] === undefined ? record.key : decodeKey(node[name], name, at));
  const confirmedKey = optionalKey("confirmed_key");
  const radioKey = optionalKey("radio_key");
  const confirmedOrigin = node.confirmed_source === undefined ? record.origin : field<KeySource | null>(node, "confirmed_source", isSource, at);
  if ((confirmedKey === null) !== (record.key === null)) fail(`nodes[${at}].confirmed_key must be set exactly when key is`);
  return {
    ...record,
    // Shared bytes when equal to the held key: one copy per node, as merge keeps it.
    confirmedKey: sameKey(confirmedKey, record.key) ? record.key : confirmedKey,
    confirmedOrigin: confirmedKey === null ? null : (confirmedOrigin ?? "store"),
    radioKey: sameKey(radioKey, record.key) ? record.key : radioKey,
    inRadio: field<boolean>(node, "in_radio", isBool, at),
    notes: withNotes(NO_NOTES, {
      rejected: field<string[] | undefined>(node, "rejected", orAbsent(isFingerprints), at) ?? [],
      former: field<string[] | undefined>(node, "former", orAbsent(isFingerprints), at) ?? [],
      staleNoted: field<string | null | undefined>(node, "stale_noted", orAbsent(isFingerprintOrNull), at) ?? null,
      conflictNoted: field<string | null | undefined>(node, "conflict_noted", orAbsent(isFingerprintOrNull), at) ?? null,
    }),
  };
}
