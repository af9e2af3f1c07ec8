// The store file's format, pure: records ⇄ JSON text. Versioned so that an older bridge
// refuses a file a newer one wrote instead of silently dropping what it cannot read.
import { nodeId } from "../node-id.js";
import { isKey, keyFields, type KeyRecord, type KeySource } from "./record.js";

export const STORE_FORMAT = "meshtastic-keysync/keys";
export const STORE_VERSION = 1;

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
}

function b64(key: Uint8Array | null): string | null {
  return key === null ? null : Buffer.from(key).toString("base64");
}

export function serializeRecords(records: Iterable<Readonly<KeyRecord>>, savedAt: number): string {
  const nodes: FileNode[] = [...records]
    .sort((a, b) => a.num - b.num)
    .map((r) => ({
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
    }));
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
  return nodes.map((raw: unknown, at) => {
    if (typeof raw !== "object" || raw === null) fail(`nodes[${at}] is not an object`);
    const node = raw as Record<string, unknown>;
    const num = field<number>(node, "num", (v) => isInt(v) && (v as number) <= 0xffffffff, at);
    const key = decodeKey(node.key, "key", at);
    const origin = field<KeySource | null>(node, "source", isSource, at);
    return {
      num,
      id: nodeId(num),
      longName: field<string>(node, "long_name", isStr, at),
      shortName: field<string>(node, "short_name", isStr, at),
      ...keyFields(key),
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
    } satisfies KeyRecord;
  });
}
