// Pure translation of decoded FromRadio content into the domain shapes of link.ts. Nothing
// here touches a socket; radio/meshtastic.ts feeds it and emits what it returns.
import {
  BROADCAST_NUM,
  PUBLIC_KEY_LENGTH,
  PortNum,
  RoutingError,
  decodeRouting,
  decodeUser,
  routingErrorName,
  type MeshPacket,
  type NodeInfo,
} from "../protocol/messages.js";
import { nodeInfoSigned, packetSigned } from "../protocol/signed-flags.js";
import { nodeId } from "../node-id.js";
import type { KeySeen, NodeSeen, RemoteNode } from "./link.js";
import { packTraits } from "./user-traits.js";

/** Names are shown in MQTT payloads and Home Assistant; the firmware's own limits are 40/5. */
const MAX_LONG_NAME = 64;
const MAX_SHORT_NAME = 8;

/** A key is exactly 32 bytes; anything else (firmware < 2.5, PKI off, a corrupt frame) is no key. */
export function validKey(bytes: Uint8Array | undefined): Uint8Array | null {
  if (bytes === undefined || bytes.length !== PUBLIC_KEY_LENGTH) return null;
  // An all-zero key is what an unset fixed-size field looks like on some builds: not a key.
  // A plain loop, and no copy: this runs for every node of every sync. The bytes are a view
  // into a received frame, which nothing writes to; the directory keeps its own copy.
  for (let i = 0; i < PUBLIC_KEY_LENGTH; i++) {
    if (bytes[i] !== 0) return new Uint8Array(bytes.buffer, bytes.byteOffset, PUBLIC_KEY_LENGTH);
  }
  return null;
}

/** Node numbers 0 and 0xFFFFFFFF (broadcast) never name a real node. */
export function validNodeNum(num: number): boolean {
  return Number.isInteger(num) && num > 0 && num < BROADCAST_NUM;
}

export function remoteNodeFromInfo(info: NodeInfo): RemoteNode | null {
  if (!validNodeNum(info.num)) return null;
  const user = info.user;
  const node: RemoteNode = {
    num: info.num,
    id: nodeId(info.num),
    longName: clip(user?.longName ?? "", MAX_LONG_NAME),
    shortName: clip(user?.shortName ?? "", MAX_SHORT_NAME),
    publicKey: validKey(user?.publicKey),
    verified: info.isKeyManuallyVerified,
    ignored: info.isIgnored,
    lastHeard: info.lastHeard,
    traits: user ? packTraits(user) : null,
  };
  if (nodeInfoSigned(info)) node.signed = true;
  return node;
}

export type RoutingResult = { requestId: number; code: number; error: string };

/** What one live MeshPacket tells us. Every field is optional: most packets say little. */
export interface PacketFacts {
  seen: NodeSeen | null;
  key: KeySeen | null;
  routing: RoutingResult | null;
}

/**
 * Reads a live packet. `myNodeNum` filters our own radio's packets out of "node seen";
 * `replayed` is decided by the caller, which knows when the last dump completed.
 */
export function packetFacts(packet: MeshPacket, myNodeNum: number, replayed: boolean): PacketFacts {
  const facts: PacketFacts = { seen: null, key: null, routing: null };
  const fromOther = validNodeNum(packet.from) && packet.from !== myNodeNum;
  const variant = packet.payloadVariant;
  if (fromOther) {
    facts.seen = { num: packet.from, replayed, encrypted: variant.case === "encrypted" };
  }
  if (variant.case !== "decoded") return facts;
  const data = variant.value;

  // A PKI-decrypted packet carries the sender's key (Router.cpp perhapsDecode).
  const pkiKey = packet.pkiEncrypted ? validKey(packet.publicKey) : null;
  if (fromOther && pkiKey) facts.key = { num: packet.from, publicKey: pkiKey, via: "pki" };

  if (data.portnum === PortNum.NODEINFO_APP && fromOther) {
    const user = safeDecode(() => decodeUser(data.payload));
    const key = validKey(user?.publicKey);
    if (user && key) {
      facts.key = {
        num: packet.from,
        publicKey: key,
        via: "nodeinfo",
        longName: clip(user.longName, MAX_LONG_NAME),
        shortName: clip(user.shortName, MAX_SHORT_NAME),
        // The radio stores a NodeInfo's whole User (NodeDB::updateUser): its traits are the
        // radio's from now on.
        traits: packTraits(user),
      };
      // Only the NodeInfo's own flag counts: a signed position says nothing of the key.
      if (packetSigned(packet)) facts.key.signed = true;
    }
  } else if (data.portnum === PortNum.ROUTING_APP && data.requestId !== 0) {
    const routing = safeDecode(() => decodeRouting(data.payload));
    if (routing?.variant.case === "errorReason") {
      const code = routing.variant.value;
      facts.routing = { requestId: data.requestId, code, error: code === RoutingError.NONE ? "NONE" : routingErrorName(code) };
    }
  }
  if (facts.seen && facts.key) facts.seen.withKey = true;
  if (replayed && facts.key) facts.key.replayed = true;
  return facts;
}

function safeDecode<T>(decode: () => T): T | null {
  try {
    return decode();
  } catch {
    return null;
  }
}

/** Cuts at `max` UTF-16 units, never between the halves of a surrogate pair (emoji in names). */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const high = text.charCodeAt(max - 1);
  return text.slice(0, high >= 0xd800 && high <= 0xdbff ? max - 1 : max);
}
