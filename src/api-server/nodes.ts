// The NodeDB a client is served: every node the radio holds, as the radio holds it, with the
// directory's shareable key (directory/shareable.ts: confirmed, not weak, not duplicated,
// from a trusted origin) where the radio's entry has none. A node whose radio key differs
// from ours (radio_stale) keeps the radio's key: the client talks through that radio. With
// directory_nodes, the nodes only the directory knows follow. Pure.
import type { KeyRecord } from "../directory/record.js";
import type { Shareable } from "../directory/shareable.js";
import { nodeId } from "../node-id.js";
import { MAX_PAYLOAD } from "../protocol/frames.js";
import { encodeFromRadio, encodeFromRadioMessage, type NodeInfo, type User } from "../protocol/messages.js";
import { validKey } from "../radio/packets.js";
import type { HandshakeCache, RadioFrame } from "../radio/shared.js";
import { identityOf } from "./known.js";

/** What the server reads of the key directory. */
export interface DirectoryKeys {
  /** The key that may leave the bridge for `num`, or why not. */
  shareable(num: number): Shareable;
  get(num: number): Readonly<KeyRecord> | undefined;
  /** Every node the directory knows (for directory_nodes). */
  records(): Iterable<Readonly<KeyRecord>>;
}

/** The radio's own nodes, by number, with whether it holds a key for each. */
export interface RadioNodes {
  frames: Map<number, RadioFrame>;
  keyed: Set<number>;
}

function nodeInfoOf(frame: RadioFrame): NodeInfo | null {
  const variant = frame.message.payloadVariant;
  return variant.case === "nodeInfo" ? variant.value : null;
}

export function radioNodes(cache: HandshakeCache): RadioNodes {
  const frames = new Map<number, RadioFrame>();
  const keyed = new Set<number>();
  for (const frame of cache.own ? [cache.own, ...cache.nodes] : cache.nodes) {
    const info = nodeInfoOf(frame);
    if (!info) continue;
    frames.set(info.num, frame);
    if (validKey(info.user?.publicKey)) keyed.add(info.num);
  }
  return { frames, keyed };
}

function emptyUser(num: number): { id: string; longName: string; shortName: string } {
  return { id: nodeId(num), longName: "", shortName: "" };
}

/** The radio's node_info with the directory's key in its user (as it was, should that not fit a frame). */
function radioNodeWithKey(frame: RadioFrame, info: NodeInfo, key: Uint8Array): Uint8Array {
  const user = { ...(info.user ?? emptyUser(info.num)), publicKey: key };
  const payload = encodeFromRadioMessage({ ...frame.message, payloadVariant: { case: "nodeInfo", value: { ...info, user } as NodeInfo } });
  return payload.length <= MAX_PAYLOAD ? payload : frame.bytes;
}

/** A node_info for a node the radio does not hold, from the directory's record. */
function directoryNode(record: Readonly<KeyRecord>, key: Uint8Array | null): Uint8Array {
  const user = { id: record.id, longName: record.longName, shortName: record.shortName, ...(key ? { publicKey: key } : {}) };
  return encodeFromRadio({ payloadVariant: { case: "nodeInfo", value: { num: record.num, user, lastHeard: record.lastSeen } } });
}

function directoryIdentity(record: Readonly<KeyRecord>, key: Uint8Array | null): string {
  return identityOf({ longName: record.longName, shortName: record.shortName, publicKey: key ?? new Uint8Array(0) } as User);
}

function keyOf(keys: DirectoryKeys, num: number): { key: Uint8Array; fingerprint: string } | null {
  const shareable = keys.shareable(num);
  return "refused" in shareable ? null : shareable;
}

/** What a fresh handshake serves for one node: its node_info and the identity the client sees. */
export interface ServedNode {
  num: number;
  payload: Uint8Array;
  identity: string;
}

/**
 * The node_info a fresh handshake would serve for `num` now: the radio's entry (with `user`
 * instead of the cached one, for what the radio learned live since its last re-read), with
 * the directory's key where that has none; a directory-only node with directory_nodes; null
 * for a node no handshake serves.
 */
export function servedNode(num: number, radio: RadioNodes, keys: DirectoryKeys, directoryNodes: boolean, myNodeNum: number, user?: User): ServedNode | null {
  const frame = radio.frames.get(num);
  const cached = frame ? nodeInfoOf(frame) : null;
  if (frame && cached) {
    const info = user ? ({ ...cached, user } as NodeInfo) : cached;
    const fill = num === myNodeNum || validKey(info.user?.publicKey) ? null : keyOf(keys, num);
    if (fill) return { num, payload: radioNodeWithKey(frame, info, fill.key), identity: identityOf({ ...(info.user ?? emptyUser(num)), publicKey: fill.key } as User) };
    const payload = user ? encodeFromRadioMessage({ ...frame.message, payloadVariant: { case: "nodeInfo", value: info } }) : frame.bytes;
    return { num, payload, identity: identityOf(info.user) };
  }
  if (!directoryNodes || num === myNodeNum) return null;
  const record = keys.get(num);
  if (!record) return null;
  const key = keyOf(keys, num)?.key ?? null;
  return { num, payload: directoryNode(record, key), identity: directoryIdentity(record, key) };
}

export interface ServedNodes {
  /** The other nodes' node_info payloads, in the radio's order, directory-only ones after. */
  payloads: Uint8Array[];
  /** Every node served (the own node too), by number: what a client that handshook has of it. */
  identities: Map<number, string>;
}

/**
 * Every node a handshake serves. `live`: users the radio took from NodeInfos heard since its
 * last re-read (NodeDB::updateUser), in place of the cached ones, so a fresh handshake shows
 * what a connected client was told.
 */
export function servedNodes(cache: HandshakeCache, radio: RadioNodes, keys: DirectoryKeys, directoryNodes: boolean, live: ReadonlyMap<number, User> = new Map()): ServedNodes {
  const payloads: Uint8Array[] = [];
  const identities = new Map<number, string>();
  const own = cache.own ? nodeInfoOf(cache.own) : null;
  if (own) identities.set(own.num, identityOf(own.user));
  for (const frame of cache.nodes) {
    const info = nodeInfoOf(frame);
    const user = info ? live.get(info.num) : undefined;
    const served = info && (user || !radio.keyed.has(info.num)) ? servedNode(info.num, radio, keys, false, cache.myNodeNum, user) : null;
    payloads.push(served?.payload ?? frame.bytes);
    if (info) identities.set(info.num, served?.identity ?? identityOf(info.user));
  }
  if (!directoryNodes) return { payloads, identities };
  for (const record of keys.records()) {
    if (radio.frames.has(record.num) || record.num === cache.myNodeNum) continue;
    const key = keyOf(keys, record.num)?.key ?? null;
    payloads.push(directoryNode(record, key));
    identities.set(record.num, directoryIdentity(record, key));
  }
  return { payloads, identities };
}
