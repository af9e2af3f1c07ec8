// The store's file formats, pure: records ⇄ JSON text. Two files (store.ts writes them):
// - the snapshot at store.path: every node, one JSON document, rewritten only at compaction;
// - the journal beside it (<path>.journal): one JSON line per changed node since then.
// Versioned so that an older bridge refuses files a newer one wrote instead of silently
// dropping what it cannot read (a version-1 bridge would ignore the journal: version 2;
// version 3 adds each node's trust fields, store-trust.ts, which older nodes lack; version 4
// adds the runtime settings kept with the directory: `settings` in the snapshot and a
// journal line of its own, which a version-3 reader would take for a torn line; version 5
// adds each node's `traits`, what the radio last reported of its User besides names and key,
// which a push writes back into the radio: a version-4 bridge would drop them at its next
// compaction, and its pushes would then blank the node's hardware model and role again;
// version 6 adds keys from the mesh's MQTT uplink: a `source` `uplink:<gateway id>`, and a
// held key without a confirmed one (`confirmed_key: null`, an uplink claim nobody confirmed),
// both of which a version-5 reader takes for a broken node and would drop at its compaction).
// Older nodes have no traits: unknown (0) until the radio reports the node again. Nodes of
// version 5 need nothing else: no uplink key could be in them.
import { isPlainObject } from "../json.js";
import { nodeId } from "../node-id.js";
import { isKey, keyFields, type KeyRecord, type KeySource } from "./record.js";
import { isOurDoc, looksOurs, STORE_FORMAT, StoreForeignError } from "./store-marker.js";
import { readTrust, trustFields, type TrustFileFields } from "./store-trust.js";

export { STORE_FORMAT, StoreForeignError } from "./store-marker.js";

export const JOURNAL_FORMAT = "meshtastic-keysync/journal";
export const STORE_VERSION = 6;

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


/** Which journal a snapshot continues: entries of that journal with a higher seq apply on top. */
export interface JournalRef {
  id: string;
  seq: number;
}

/**
 * The runtime settings kept with the directory (sync/settings.ts gives them their shape and
 * reads them back): a JSON object the store keeps and returns as it was given.
 */
export type SettingsDocument = Readonly<Record<string, unknown>>;
export const NO_SETTINGS: SettingsDocument = Object.freeze({});

export interface Snapshot {
  version: number;
  /** Nodes that could not be read, one message each; the others are in `records`. */
  bad: string[];
  /** null: no journal applies (a version-1 file, or an export restored by hand). */
  journal: JournalRef | null;
  records: KeyRecord[];
  settings: SettingsDocument;
}

/** One journal line: a node's whole record as it was when written, its removal, or all the settings. */
export type JournalEntry = { seq: number; node: KeyRecord } | { seq: number; forget: number } | { seq: number; settings: SettingsDocument };

interface FileNode extends TrustFileFields {
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
  /** KeyRecord.traits, an opaque number; absent when 0 (nothing known, or a node of version 4 and older). */
  traits?: number;
  /** KeyRecord.signed; absent when false (and in every node before version 6). */
  signed?: true;
}

function b64(key: Uint8Array | null): string | null {
  return key === null ? null : Buffer.from(key).toString("base64");
}

function toFileNode(r: Readonly<KeyRecord>): FileNode {
  return {
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
    ...(r.traits === 0 ? {} : { traits: r.traits }),
    ...(r.signed ? { signed: true as const } : {}),
    ...trustFields(r),
  };
}

/** The snapshot document (also what `export` prints, with journal null). No settings: no `settings` key. */
export function serializeRecords(records: Iterable<Readonly<KeyRecord>>, savedAt: number, journal: JournalRef | null = null, settings: SettingsDocument = NO_SETTINGS): string {
  const nodes = [...records].sort((a, b) => a.num - b.num).map(toFileNode);
  const kept = Object.keys(settings).length > 0 ? { settings } : {};
  return `${JSON.stringify({ format: STORE_FORMAT, version: STORE_VERSION, saved_at: savedAt, journal, ...kept, nodes }, null, 1)}\n`;
}

export function journalHeader(id: string): string {
  return `${JSON.stringify({ format: JOURNAL_FORMAT, version: STORE_VERSION, id })}\n`;
}

export function journalLine(seq: number, num: number, record: Readonly<KeyRecord> | undefined): string {
  return `${JSON.stringify(record ? { seq, node: toFileNode(record) } : { seq, forget: num })}\n`;
}

export function settingsLine(seq: number, settings: SettingsDocument): string {
  return `${JSON.stringify({ seq, settings })}\n`;
}

function parseSettings(value: unknown, at: string): SettingsDocument {
  if (value === undefined) return NO_SETTINGS;
  if (!isPlainObject(value)) fail(`${at} is not an object`);
  return value;
}

function fail(message: string): never {
  throw new StoreCorruptError(message);
}

function field<T>(node: Record<string, unknown>, name: string, ok: (v: unknown) => boolean, at: string): T {
  const value = node[name];
  if (!ok(value)) fail(`${at}.${name} is invalid`);
  return value as T;
}

const isInt = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isNum = (v: unknown): boolean => isInt(v) && (v as number) <= 0xffffffff;
const isIntOrNull = (v: unknown): boolean => v === null || isInt(v);
const isStr = (v: unknown): boolean => typeof v === "string";
const isBool = (v: unknown): boolean => typeof v === "boolean";
const isSource = (v: unknown): boolean =>
  v === null || v === "nodedb" || v === "packet" || v === "store" || (typeof v === "string" && /^(gateway|uplink):.+/.test(v));

function decodeKey(value: unknown, name: string, at: string): Uint8Array | null {
  if (value === null) return null;
  const key = typeof value === "string" ? new Uint8Array(Buffer.from(value, "base64")) : null;
  if (!isKey(key)) fail(`${at}.${name} is not a 32-byte base64 key`);
  return key;
}

function parseNode(raw: unknown, at: string): KeyRecord {
  if (typeof raw !== "object" || raw === null) fail(`${at} is not an object`);
  const node = raw as Record<string, unknown>;
  const num = field<number>(node, "num", isNum, at);
  const key = decodeKey(node.key, "key", at);
  const origin = field<KeySource | null>(node, "source", isSource, at);
  const record = {
    num,
    id: nodeId(num),
    longName: field<string>(node, "long_name", isStr, at),
    shortName: field<string>(node, "short_name", isStr, at),
    ...keyFields(key),
    // CONTRACT.md: key_source "store" = known from our own file, not from this run's
    // radio. After a restart nothing in this run has confirmed the key yet, so "store" is
    // the honest answer; the first dump, packet or gateway that reports the same key
    // upgrades it (merge.ts rank). The original source is kept in `origin`.
    source: key === null ? null : ("store" as const),
    origin: key === null ? null : (origin ?? "store"),
    firstSeen: field<number>(node, "first_seen", isInt, at),
    lastSeen: field<number>(node, "last_seen", isInt, at),
    keyChangedAt: field<number | null>(node, "key_changed_at", isIntOrNull, at),
    verified: field<boolean>(node, "verified", isBool, at),
    ignored: field<boolean>(node, "ignored", isBool, at),
    changed: field<boolean>(node, "changed", isBool, at),
    pendingKey: decodeKey(node.pending_key ?? null, "pending_key", at),
    pendingSource: field<KeySource | null>(node, "pending_source", (v) => v === undefined || isSource(v), at) ?? null,
    traits: field<number | undefined>(node, "traits", (v) => v === undefined || isNum(v), at) ?? 0,
    signed: field<boolean | undefined>(node, "signed", (v) => v === undefined || isBool(v), at) ?? false,
  };
  // A node written before version 3 (snapshot or journal line) has no trust fields: migrated
  // by readTrust (its held key becomes the confirmed one).
  return readTrust(record, node, {
    key: (name) => (node[name] === undefined ? undefined : decodeKey(node[name], name, at)),
    source: (name) => (node[name] === undefined ? undefined : field<KeySource | null>(node, name, isSource, at)),
    check: (name, ok) => field(node, name, (v) => v === undefined || ok(v), at),
    fail: (message) => fail(`${at}.${message}`),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return fail(`not valid JSON (${(error as Error).message})`);
  }
}

function checkVersion(doc: unknown, format: string, path: string): Record<string, unknown> {
  if (typeof doc !== "object" || doc === null || (doc as Record<string, unknown>).format !== format) fail(`not a ${format} file`);
  const { version } = doc as Record<string, unknown>;
  if (!Number.isSafeInteger(version) || (version as number) < 1) fail("missing or invalid version");
  if ((version as number) > STORE_VERSION) throw new StoreVersionError(path, version as number);
  return doc as Record<string, unknown>;
}

/**
 * The snapshot. Throws StoreForeignError for a file without our format marker,
 * StoreVersionError for a newer version, StoreCorruptError for a store of ours whose shape is
 * unreadable. A node that cannot be read is left out alone and named in `bad`.
 */
export function parseSnapshot(text: string, path: string): Snapshot {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    if (!looksOurs(text)) throw new StoreForeignError(path);
    return fail(`not valid JSON (${(error as Error).message})`);
  }
  if (!isOurDoc(parsed)) throw new StoreForeignError(path);
  const doc = checkVersion(parsed, STORE_FORMAT, path);
  const { nodes, journal, settings } = doc;
  if (!Array.isArray(nodes)) fail("nodes is not a list");
  let ref: JournalRef | null = null;
  if (journal !== undefined && journal !== null) {
    const j = journal as Record<string, unknown>;
    if (typeof j.id !== "string" || !isInt(j.seq)) fail("journal is invalid");
    ref = { id: j.id, seq: j.seq as number };
  }
  const records: KeyRecord[] = [];
  const bad: string[] = [];
  nodes.forEach((raw: unknown, at) => {
    try {
      records.push(parseNode(raw, `nodes[${at}]`));
    } catch (error) {
      if (!(error instanceof StoreCorruptError)) throw error;
      bad.push(error.message);
    }
  });
  return { version: doc.version as number, bad, journal: ref, records, settings: parseSettings(settings, "settings") };
}

/** Records from a snapshot's text (tests and tools that read the file alone); strict: a bad node throws. */
export function parseStore(text: string, path: string): KeyRecord[] {
  const snapshot = parseSnapshot(text, path);
  if (snapshot.bad.length > 0) fail(snapshot.bad[0] as string);
  return snapshot.records;
}

/** The journal's id from its first line. */
export function parseJournalHeader(line: string, path: string): string {
  const doc = checkVersion(parseJson(line), JOURNAL_FORMAT, path);
  if (typeof doc.id !== "string") fail("journal id is invalid");
  return doc.id;
}

/** One journal line after the header; StoreCorruptError if it is torn or malformed. */
export function parseJournalLine(line: string): JournalEntry {
  const doc = parseJson(line);
  if (typeof doc !== "object" || doc === null) fail("journal line is not an object");
  const entry = doc as Record<string, unknown>;
  if (!isInt(entry.seq)) fail("journal line has no seq");
  const seq = entry.seq as number;
  if (isNum(entry.forget)) return { seq, forget: entry.forget as number };
  if (entry.settings !== undefined) return { seq, settings: parseSettings(entry.settings, `journal[${seq}].settings`) };
  return { seq, node: parseNode(entry.node, `journal[${seq}]`) };
}
