// The NodeDB a client is served: every node the radio holds, as the radio holds it, with the
// directory's shareable key (directory/shareable.ts: confirmed, not weak, not duplicated,
// from a trusted origin) where the radio's entry has none. A node whose radio key differs
// from ours (radio_stale) keeps the radio's key: the client talks through that radio. With
// directory_nodes, the nodes only the directory knows follow. Pure.
import type { KeyRecord } from "../directory/record.js";
import type { Shareable } from "../directory/shareable.js";
import { nodeId } from "../node-id.js";
import { MAX_PAYLOAD } from "../protocol/frames.js";
import { encodeFromRadio, encodeFromRadioMessage, type NodeInfo } from "../protocol/messages.js";
import { validKey } from "../radio/packets.js";
import type { HandshakeCache, RadioFrame } from "../radio/shared.js";

/** What the server reads of the key directory. */
export interface DirectoryKeys {
  /** The key that may leave the bridge for `num`, or why not. */
  shareable(num: number): Shareable;
  get(num: number): Readonly<KeyRecord> | undefined;
  /** Every node the directory knows (for directory_nodes). */
  records(): Iterable<Readonly<KeyRecord>>;
}

/** A node_info the server made, with the directory key it carries. */
export interface FilledNode {
  num: number;
  payload: Uint8Array;
  fingerprint: string;
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

/** The radio's node_info with the directory's key in its user (as it was, should that not fit a frame). */
function radioNodeWithKey(frame: RadioFrame, info: NodeInfo, key: Uint8Array): Uint8Array {
  const user = { ...(info.user ?? { id: nodeId(info.num), longName: "", shortName: "" }), publicKey: key };
  const payload = encodeFromRadioMessage({ ...frame.message, payloadVariant: { case: "nodeInfo", value: { ...info, user } as NodeInfo } });
  return payload.length <= MAX_PAYLOAD ? payload : frame.bytes;
}

/** A node_info for a node the radio does not hold, from the directory's record. */
function directoryNode(record: Readonly<KeyRecord>, key: Uint8Array | null): Uint8Array {
  const user = { id: record.id, longName: record.longName, shortName: record.shortName, ...(key ? { publicKey: key } : {}) };
  return encodeFromRadio({ payloadVariant: { case: "nodeInfo", value: { num: record.num, user, lastHeard: record.lastSeen } } });
}

function keyOf(keys: DirectoryKeys, num: number): { key: Uint8Array; fingerprint: string } | null {
  const shareable = keys.shareable(num);
  return "refused" in shareable ? null : shareable;
}

/**
 * The node_info to send for `num` now, when the server can add a key the client lacks:
 * null when the radio holds a key for it, or the directory has none that may leave.
 */
export function filledNode(num: number, radio: RadioNodes, keys: DirectoryKeys, directoryNodes: boolean, myNodeNum: number): FilledNode | null {
  if (num === myNodeNum || radio.keyed.has(num)) return null;
  const frame = radio.frames.get(num);
  if (!frame && !directoryNodes) return null;
  const key = keyOf(keys, num);
  if (!key) return null;
  const info = frame ? nodeInfoOf(frame) : null;
  if (frame && info) return { num, payload: radioNodeWithKey(frame, info, key.key), fingerprint: key.fingerprint };
  const record = keys.get(num);
  return record ? { num, payload: directoryNode(record, key.key), fingerprint: key.fingerprint } : null;
}

export interface ServedNodes {
  /** The other nodes' node_info payloads, in the radio's order, directory-only ones after. */
  payloads: Uint8Array[];
  /** The directory keys among them, by node: a later change of key is news for the clients. */
  filled: Map<number, string>;
}

export function servedNodes(cache: HandshakeCache, radio: RadioNodes, keys: DirectoryKeys, directoryNodes: boolean): ServedNodes {
  const payloads: Uint8Array[] = [];
  const filled = new Map<number, string>();
  for (const frame of cache.nodes) {
    const info = nodeInfoOf(frame);
    const fill = info && !radio.keyed.has(info.num) ? keyOf(keys, info.num) : null;
    if (info && fill) {
      payloads.push(radioNodeWithKey(frame, info, fill.key));
      filled.set(info.num, fill.fingerprint);
    } else {
      payloads.push(frame.bytes);
    }
  }
  if (!directoryNodes) return { payloads, filled };
  for (const record of keys.records()) {
    if (radio.frames.has(record.num) || record.num === cache.myNodeNum) continue;
    const fill = keyOf(keys, record.num);
    payloads.push(directoryNode(record, fill?.key ?? null));
    if (fill) filled.set(record.num, fill.fingerprint);
  }
  return { payloads, filled };
}
