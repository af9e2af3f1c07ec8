// Pure merge: (directory snapshot, observations from one source, policy, now) → the record
// changes, the key events and the counts for sync/stats. No I/O; KeyDirectory.ingest applies
// the result. Sources translate their own shapes into observations (sync/observe.ts for the
// radio, bridge/share.ts for gateways). Rules, from CONTRACT.md and FIRMWARE.md:
// - the directory only grows: a node missing from a dump is never removed;
// - an empty or absent key never clears a key we hold (firmware sends empty keys);
// - a different key for a known node is taken (alert) or pinned (pin), and always flagged;
//   the confirmed key stays until accept_key (trust.ts);
// - a "nodedb" batch is one complete dump: it sets what the radio holds (radioKey, inRadio),
//   and a dump still reporting the radio's old key is not a key change (firmware keeps the
//   first key it learned, NodeDB::updateUser);
// - the old key heard on the air again after a change is one key_conflict, never a flip;
// - names, flags, last-heard and the radio's traits update silently, without counting as
//   key changes;
// - an uplink key is a claim, the lowest rank: it fills, never overrules (uplink-trust.ts).
import { nodeId } from "../node-id.js";
import type { KeyEvent } from "./events.js";
import { isKey, keyFields, NO_NOTES, recordOf, sameKey, type KeyPolicy, type KeyRecord, type KeySource } from "./record.js";
import { heardAgain } from "./identity.js";
import { isConflict, noteConflict, noteRadioStale, relationOf, withRadio } from "./trust.js";
import { confirmationOnFill, isUplink, uplinkConfirms, uplinkUpdate, vouchOverClaim, type UplinkTrust } from "./uplink-trust.js";

/** One node as a source describes it; absent fields leave ours as they are. */
export interface Observation {
  num: number;
  longName?: string;
  shortName?: string;
  /** Anything but 32 bytes counts as "no key" and never clears ours. */
  key: Uint8Array | null;
  verified?: boolean;
  ignored?: boolean;
  /** Unix seconds the node was heard; 0 or absent when unknown; "now": at this merge (a live packet). */
  heardAt?: number | "now";
  /** KeyRecord.traits as the radio reported them (opaque here); absent leaves ours. */
  traits?: number;
  /** Firmware 2.8: the source verified the NodeInfo's signature (uplink-trust.ts selfCertified). */
  signed?: boolean;
}

/** Settings of the rules that do not change per batch. */
export interface MergeRules {
  /** `uplink.trust`; "claim" when absent. */
  uplinkTrust?: UplinkTrust;
}

/** Read access to the directory; a Map<number, KeyRecord> or KeyDirectory satisfies it. */
export interface DirectorySnapshot {
  get(num: number): Readonly<KeyRecord> | undefined;
}

export interface NodeChange {
  /** null: the node is new. */
  prev: Readonly<KeyRecord> | null;
  next: KeyRecord;
}

export interface MergeCounts {
  /** Nodes looked at. */
  checked: number;
  /** New node numbers. */
  nodesAdded: number;
  /** Keys for nodes that had none (new or known). sync/stats keys_added. */
  added: number;
  /** Changed keys taken under policy alert. sync/stats keys_updated. */
  updated: number;
  /** Changed keys kept aside under policy pin (not counted as updated). */
  pinned: number;
  /** Observations that changed nothing at all. */
  unchanged: number;
}

export interface MergeResult {
  /** One entry per node whose record differs from the snapshot. */
  changes: NodeChange[];
  /** key_added / key_changed / key_conflict / radio_key_stale, in the order they arose. */
  events: KeyEvent[];
  counts: MergeCounts;
}

/** A key we learned on this run outranks one from a gateway, which outranks our own file, which outranks an uplink claim. */
function rank(source: KeySource | null): number {
  if (source === null) return -1;
  if (isUplink(source)) return 0;
  if (source === "store") return 1;
  return source.startsWith("gateway:") ? 2 : 3;
}

export function mergeObservations(
  snapshot: DirectorySnapshot,
  observations: readonly Observation[],
  source: Exclude<KeySource, "store">,
  policy: KeyPolicy,
  now: number,
  rules: MergeRules = {},
): MergeResult {
  const trust = rules.uplinkTrust ?? "claim";
  const uplink = isUplink(source);
  const counts: MergeCounts = { checked: 0, nodesAdded: 0, added: 0, updated: 0, pinned: 0, unchanged: 0 };
  const events: KeyEvent[] = [];
  // Later observations of the same number in one batch see the earlier ones.
  const working = new Map<number, KeyRecord>();
  for (const obs of observations) {
    counts.checked++;
    const prev = working.get(obs.num >>> 0) ?? snapshot.get(obs.num >>> 0);
    const confirms = uplink && uplinkConfirms(obs, trust);
    const merged = prev ? update(prev, obs, source, policy, now, confirms, counts, events) : create(obs, source, now, confirms, counts, events);
    const next = noteRadioStale(merged, events);
    // update() hands back `prev` itself when nothing changed: the common case of a full sync.
    if (prev && (next === prev || sameRecord(prev, next))) counts.unchanged++;
    else working.set(next.num, next);
  }
  const changes: NodeChange[] = [];
  for (const next of working.values()) {
    const prev = snapshot.get(next.num) ?? null;
    if (prev === null || !sameRecord(prev, next)) changes.push({ prev, next });
  }
  return { changes, events, counts };
}

function create(obs: Observation, source: KeySource, now: number, confirms: boolean, counts: MergeCounts, events: KeyEvent[]): KeyRecord {
  const key = isKey(obs.key) ? obs.key : null;
  const heard = heardAt(obs, now);
  const fields = keyFields(key);
  let record: KeyRecord = recordOf({
    num: obs.num >>> 0,
    id: nodeId(obs.num),
    longName: obs.longName ?? "",
    shortName: obs.shortName ?? "",
    ...fields,
    source: key ? source : null,
    origin: key ? source : null,
    // The radio may have heard the node long before we first learned of it.
    firstSeen: heard > 0 ? Math.min(now, heard) : now,
    lastSeen: heard,
    keyChangedAt: null,
    verified: obs.verified ?? false,
    ignored: obs.ignored ?? false,
    pendingKey: null,
    pendingSource: null,
    changed: false,
    // The same bytes, not a copy: the confirmed key is the held one until a key change.
    ...confirmationOnFill(fields.key, source, confirms),
    radioKey: null,
    inRadio: false,
    traits: obs.traits ?? 0,
    signed: obs.signed === true,
    notes: NO_NOTES,
  });
  counts.nodesAdded++;
  if (record.fingerprint !== null) {
    counts.added++;
    events.push({ type: "key_added", data: { id: record.id, fingerprint: record.fingerprint, source } });
  }
  if (source === "nodedb") record = withRadio(record, record.key);
  return record;
}

function update(
  prev: Readonly<KeyRecord>,
  obs: Observation,
  source: KeySource,
  policy: KeyPolicy,
  now: number,
  confirms: boolean,
  counts: MergeCounts,
  events: KeyEvent[],
): KeyRecord {
  // An empty name means the source does not know it (no User yet), not that it was cleared.
  const longName = obs.longName || prev.longName;
  const shortName = obs.shortName || prev.shortName;
  const verified = obs.verified ?? prev.verified;
  const ignored = obs.ignored ?? prev.ignored;
  const lastSeen = Math.max(prev.lastSeen, heardAt(obs, now));
  const traits = obs.traits ?? prev.traits;
  const signed = prev.signed || obs.signed === true;
  // Nothing but the key can differ from here on: reuse `prev` rather than copy it, so a sync
  // of a NodeDB that did not change allocates no record at all.
  const same =
    longName === prev.longName &&
    shortName === prev.shortName &&
    verified === prev.verified &&
    ignored === prev.ignored &&
    lastSeen === prev.lastSeen &&
    traits === prev.traits &&
    signed === prev.signed;
  let next: KeyRecord = same ? prev : { ...prev, longName, shortName, verified, ignored, lastSeen, traits, signed };
  const key = isKey(obs.key) ? obs.key : null;
  if (source === "nodedb") next = withRadio(next, key);
  next = heardAgain(next, source === "packet" && obs.heardAt === "now");
  if (key === null) return next;
  if (prev.key === null || prev.fingerprint === null) {
    counts.added++;
    const fields = keyFields(key);
    events.push({ type: "key_added", data: { id: prev.id, fingerprint: fields.fingerprint as string, source } });
    const radioKey = source === "nodedb" ? fields.key : next.radioKey;
    return { ...next, ...fields, source, origin: source, ...confirmationOnFill(fields.key, source, confirms), radioKey };
  }
  if (isUplink(source)) {
    const result = uplinkUpdate(prev, next, key, source, confirms, obs.signed === true, now, events);
    if (result.pinned) counts.pinned++;
    return result.record;
  }
  // Only a node an uplink claim filled can be one (cheap checks first: this runs for every keyed node of every sync).
  const overClaim = prev.confirmedKey === null || isUplink(prev.origin) ? vouchOverClaim(prev, next, key, source, events) : null;
  if (overClaim !== null) return overClaim;
  if (isConflict(prev, key, source)) return noteConflict(next, key, events);
  const relation = relationOf(prev, key, source);
  if (relation === "held") {
    // The same key confirmed by a better source (e.g. our radio confirming a stored key).
    return rank(source) > rank(prev.source) ? { ...next, source } : next;
  }
  // Keys we already know for this node are not news: the pending key seen again, a rejected
  // key, the radio still reporting the key it kept, the confirmed key from a gateway or the
  // radio while we hold a newer one.
  if (relation !== "new") return next;
  // A different key for a known node: re-flashed device or impersonation (trust on first
  // use, FIRMWARE.md).
  // Another gateway never overrules what our own radio told us: its different key is kept
  // aside as under pin (a rogue gateway must not be able to swap keys), and the event names
  // both sources. Without that, two gateways that disagree would flip the key every sync.
  const effective = source.startsWith("gateway:") && ownRadio(prev.origin) ? "pin" : policy;
  const fields = keyFields(key);
  const change = {
    id: prev.id,
    old_fingerprint: prev.fingerprint,
    new_fingerprint: fields.fingerprint as string,
    old_source: prev.source,
    new_source: source,
  };
  if (effective === "alert") {
    counts.updated++;
    events.push({ type: "key_changed", data: { ...change, action: "taken" } });
    // The bytes the radio holds, if they are the new key, are shared with it.
    const radioKey = sameKey(next.radioKey, fields.key) ? fields.key : next.radioKey;
    return { ...next, ...fields, source, origin: source, changed: true, keyChangedAt: now, pendingKey: null, pendingSource: null, radioKey };
  }
  counts.pinned++;
  events.push({ type: "key_changed", data: { ...change, action: "pinned" } });
  return { ...next, pendingKey: fields.key, pendingSource: source, changed: true, keyChangedAt: now };
}

function ownRadio(source: KeySource | null): boolean {
  return source === "nodedb" || source === "packet";
}

function heardAt(obs: Observation, now: number): number {
  const at = obs.heardAt === "now" ? now : obs.heardAt;
  return at !== undefined && Number.isFinite(at) && at > 0 ? Math.floor(at) : 0;
}

export function sameRecord(a: Readonly<KeyRecord>, b: Readonly<KeyRecord>): boolean {
  return (Object.keys(a) as (keyof KeyRecord)[]).every((field) => {
    const x = a[field];
    const y = b[field];
    return x instanceof Uint8Array || y instanceof Uint8Array
      ? sameKey(x as Uint8Array | null, y as Uint8Array | null)
      : x === y;
  });
}
