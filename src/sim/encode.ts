// FromRadio payloads built from the simulated NodeDB: node infos for the dump and the live
// packets the controls deliver. Everything returns encoded FromRadio bytes, ready to frame.
import {
  BROADCAST_NUM,
  PortNum,
  encodeFromRadio,
  encodePosition,
  encodeRoutingError,
  encodeTelemetry,
  encodeUser,
  encodeCompressed,
  type MeshPacket,
  type MeshPacketInit,
  type NodeInfoInit,
  type UserInit,
} from "../protocol/messages.js";
import { nodeInfoWithSigned } from "../protocol/signed-flags.js";
import type { SimNode } from "./nodedb.js";

/** MeshPacket.Priority values the firmware gives these packets. */
const PRIORITY_BACKGROUND = 10;
const PRIORITY_RELIABLE = 70;
const PRIORITY_ACK = 120;
const HOP_LIMIT = 3;

export function userOf(node: SimNode): UserInit {
  return {
    id: node.id,
    longName: node.longName,
    shortName: node.shortName,
    hwModel: node.hwModel,
    role: node.role,
    isLicensed: node.isLicensed,
    ...(node.isUnmessagable === null ? {} : { isUnmessagable: node.isUnmessagable }),
    publicKey: node.publicKey ?? new Uint8Array(0),
  };
}

/**
 * A NodeInfo for the dump. `thin` leaves out position and device metrics, as 2.8 does for
 * other nodes (PhoneAPI.cpp prefetchNodeInfos: "Other-node NodeInfos always go out thin").
 * `noTime`: a radio without a time source stamps every last_heard (and position time) 0.
 */
export function nodeInfoInit(node: SimNode, thin: boolean, noTime = false): NodeInfoInit {
  const lastHeard = noTime ? 0 : node.lastHeard;
  const info: NodeInfoInit = {
    num: node.num,
    user: userOf(node),
    snr: node.snr,
    lastHeard,
    channel: 0,
    viaMqtt: node.viaMqtt,
    hopsAway: node.hopsAway,
    isFavorite: node.isFavorite,
    isIgnored: node.isIgnored,
    isKeyManuallyVerified: node.verified,
  };
  if (!thin) {
    if (node.position) info.position = { ...node.position, time: lastHeard };
    info.deviceMetrics = { batteryLevel: node.batteryLevel, voltage: node.voltage };
  }
  return info;
}

interface CachedInfo {
  rev: number;
  thin: boolean;
  noTime: boolean;
  bytes: Uint8Array;
}
const nodeInfoCache = new WeakMap<SimNode, CachedInfo>();

/** FromRadio.node_info bytes, cached per node revision: a 10,000-node dump re-encodes nothing. */
export function nodeInfoFrame(node: SimNode, thin: boolean, noTime = false): Uint8Array {
  const cached = nodeInfoCache.get(node);
  if (cached && cached.rev === node.rev && cached.thin === thin && cached.noTime === noTime) return cached.bytes;
  const init = nodeInfoInit(node, thin, noTime);
  // has_xeddsa_signed (2.8) is an unknown field to our protobufs: set on a message, not an init.
  const value = node.xeddsaSigned ? nodeInfoWithSigned(init, true) : init;
  const bytes = encodeFromRadio({ payloadVariant: { case: "nodeInfo", value } });
  nodeInfoCache.set(node, { rev: node.rev, thin, noTime, bytes });
  return bytes;
}

export function packetFrame(packet: MeshPacketInit): Uint8Array {
  return encodeFromRadio({ payloadVariant: { case: "packet", value: packet } });
}

/** LogRecord.Level WARNING, the level NodeDB::updateUser gives its client notification. */
const LEVEL_WARNING = 30;

/** FromRadio.clientNotification: a warning the firmware shows in the client's UI; `replyId`: the client packet it is about. */
export function warningFrame(message: string, time: number, replyId?: number): Uint8Array {
  const value = { level: LEVEL_WARNING, message, time, ...(replyId === undefined ? {} : { replyId }) };
  return encodeFromRadio({ payloadVariant: { case: "clientNotification", value } });
}

/** FromRadio.queueStatus, the answer to a heartbeat (id 0) and to every packet the client sends (its id). */
export function queueStatusFrame(meshPacketId: number): Uint8Array {
  return encodeFromRadio({ payloadVariant: { case: "queueStatus", value: { res: 0, free: 16, maxlen: 16, meshPacketId } } });
}

interface LiveOptions {
  id: number;
  /** Unix seconds the radio received the packet (old for 2.8 replays). */
  rxTime: number;
}

/** The fields every packet heard from a node carries. */
interface HeardHeader {
  from: number;
  to: number;
  id: number;
  rxTime: number;
  rxSnr: number;
  hopLimit: number;
  hopStart: number;
  viaMqtt: boolean;
}

function heardFrom(node: SimNode, to: number, o: LiveOptions): HeardHeader {
  return {
    from: node.num,
    to,
    id: o.id,
    rxTime: o.rxTime,
    rxSnr: node.snr,
    hopLimit: HOP_LIMIT - node.hopsAway,
    hopStart: HOP_LIMIT,
    viaMqtt: node.viaMqtt,
  };
}

/** The NodeInfo a node broadcasts (or, `to` our radio, sends as a reply): the cheapest source of its key. */
export function nodeInfoPacket(node: SimNode, o: LiveOptions, to = BROADCAST_NUM): MeshPacketInit {
  return {
    ...heardFrom(node, to, o),
    priority: PRIORITY_BACKGROUND,
    payloadVariant: {
      case: "decoded",
      value: { portnum: PortNum.NODEINFO_APP, payload: encodeUser(userOf(node)) },
    },
  };
}

/** A packet the radio could not even try to decrypt (no matching channel): `encrypted` variant. */
export function encryptedPacket(node: SimNode, ciphertext: Uint8Array, channelHash: number, o: LiveOptions): MeshPacketInit {
  return {
    ...heardFrom(node, BROADCAST_NUM, o),
    channel: channelHash,
    payloadVariant: { case: "encrypted", value: ciphertext },
  };
}

/** A PKI DM the radio decrypted: it carries the sender's key (Router.cpp perhapsDecode). */
export function pkiDmPacket(node: SimNode, key: Uint8Array, ownNum: number, text: string, o: LiveOptions): MeshPacketInit {
  return {
    ...heardFrom(node, ownNum, o),
    channel: 0,
    wantAck: true,
    priority: PRIORITY_RELIABLE,
    pkiEncrypted: true,
    publicKey: key,
    payloadVariant: {
      case: "decoded",
      value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new TextEncoder().encode(text) },
    },
  };
}

export function positionPacket(node: SimNode, o: LiveOptions): MeshPacketInit {
  const position = node.position ?? { latitudeI: 0, longitudeI: 0, altitude: 0 };
  return {
    ...heardFrom(node, BROADCAST_NUM, o),
    priority: PRIORITY_BACKGROUND,
    payloadVariant: {
      case: "decoded",
      value: { portnum: PortNum.POSITION_APP, payload: encodePosition({ ...position, time: o.rxTime }) },
    },
  };
}

export function telemetryPacket(node: SimNode, o: LiveOptions): MeshPacketInit {
  const payload = encodeTelemetry({
    time: o.rxTime,
    variant: { case: "deviceMetrics", value: { batteryLevel: node.batteryLevel, voltage: node.voltage } },
  });
  return {
    ...heardFrom(node, BROADCAST_NUM, o),
    priority: PRIORITY_BACKGROUND,
    payloadVariant: { case: "decoded", value: { portnum: PortNum.TELEMETRY_APP, payload } },
  };
}

/** A routing ACK/NAK for the client's packet `requestId` (MeshModule allocAckNak). */
export function routingPacket(from: number, ownNum: number, requestId: number, error: number, o: LiveOptions): MeshPacketInit {
  return {
    from,
    to: ownNum,
    id: o.id,
    rxTime: o.rxTime,
    hopLimit: from === ownNum ? 0 : HOP_LIMIT,
    priority: PRIORITY_ACK,
    payloadVariant: {
      case: "decoded",
      value: { portnum: PortNum.ROUTING_APP, payload: encodeRoutingError(error), requestId },
    },
  };
}

/**
 * The firmware's Linux build (its simulated LoRa, SimRadio::startSend) hands a copy of each
 * packet it transmits to the client: port SIMULATOR_APP, the original port and payload
 * wrapped in a Compressed. A build artefact, but a client must not take it for mesh traffic.
 */
export function simulatorEcho(sent: MeshPacket, ownNum: number, rxTime: number): Uint8Array {
  const decoded = sent.payloadVariant.case === "decoded" ? sent.payloadVariant.value : null;
  const payload = encodeCompressed(decoded?.portnum ?? 0, decoded?.payload ?? new Uint8Array(0));
  return packetFrame({
    from: ownNum,
    to: sent.to,
    id: sent.id,
    channel: sent.channel,
    rxTime,
    hopLimit: sent.hopLimit,
    wantAck: sent.wantAck,
    payloadVariant: { case: "decoded", value: { portnum: PortNum.SIMULATOR_APP, payload } },
  });
}
