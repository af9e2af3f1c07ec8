// What the API server does with one ToRadio from a client (FIRMWARE.md, PhoneAPI.cpp,
// admin.proto). Pure: the decoded message in, a decision out; the session carries it out.
import { BROADCAST_NUM, PortNum, decodeAdmin, type MeshPacket, type ToRadio } from "../protocol/messages.js";

export type ClientRequest =
  /** want_config_id: answered from the cache, never forwarded. */
  | { kind: "handshake"; nonce: number }
  /** Answered locally with a queue status: a heartbeat with nonce 1 would make the radio broadcast. */
  | { kind: "heartbeat" }
  /** The client leaves: that client's connection closes, nothing else. */
  | { kind: "disconnect" }
  /**
   * Passed to the radio unchanged. `packet`: a MeshPacket's facts, for the pacer (its port)
   * and for matching its routing result (id and destination). `dmTo`: a PKI DM, which the
   * radio can only send with the destination's key. `adminWrite`: the cache is re-read once
   * the radio has answered.
   */
  | { kind: "forward"; packet: ForwardFacts | null; dmTo: number | null; adminWrite: boolean }
  /** add_contact without admin rights: answered as the radio would; the push policy decides what reaches the radio. */
  | { kind: "contact"; num: number; requestId: number; wantAck: boolean }
  /** Refused, with a routing error to that client when it was a packet. */
  | { kind: "refuse"; what: string; requestId: number | null }
  | { kind: "ignore" };

/** What the pacer and the routing-result match need of a forwarded MeshPacket. */
export interface ForwardFacts {
  id: number;
  to: number;
  /** Data.portnum; null for a packet the client encrypted itself. */
  port: number | null;
  hopLimit: number;
}

/** Ports the firmware never PKI-encrypts (Router.cpp perhapsEncode). */
const NOT_PKI = new Set<number>([PortNum.TRACEROUTE_APP, PortNum.NODEINFO_APP, PortNum.ROUTING_APP, PortNum.POSITION_APP]);

/** NODENUM_BROADCAST_NO_LORA (MeshTypes.h): a broadcast that stays on this radio's own interfaces. */
const BROADCAST_NO_LORA = 1;

/**
 * A packet the firmware also hands to its own modules (Router::sendLocal): one to itself (0
 * becomes its number) and every broadcast. A phone's packet there has from == 0, which
 * AdminModule takes as local admin once perhapsDecode has decrypted it with a channel key the
 * client was served. Our number unknown: any destination could be ours.
 */
function reachesOwnModules(to: number, myNodeNum: number): boolean {
  return myNodeNum === 0 || to === 0 || to === myNodeNum || to === BROADCAST_NUM || to === BROADCAST_NO_LORA;
}

/** Admin messages that only read; everything else is a write (default deny). */
function isReadOnly(adminCase: string): boolean {
  return adminCase.startsWith("get") && adminCase.endsWith("Request");
}

/** A DM the radio will encrypt with the destination's key (or refuse, lacking it). */
function pkiDestination(packet: MeshPacket, myNodeNum: number): number | null {
  if (packet.to === BROADCAST_NUM || packet.to === 0 || packet.to === myNodeNum) return null;
  if (packet.payloadVariant.case !== "decoded") return null;
  if (packet.pkiEncrypted) return packet.to;
  return packet.channel === 0 && !NOT_PKI.has(packet.payloadVariant.value.portnum) ? packet.to : null;
}

function classifyPacket(packet: MeshPacket, myNodeNum: number, admin: boolean): ClientRequest {
  const decoded = packet.payloadVariant.case === "decoded" ? packet.payloadVariant.value : null;
  const facts: ForwardFacts = { id: packet.id, to: packet.to, port: decoded?.portnum ?? null, hopLimit: packet.hopLimit };
  // What a client encrypted itself cannot be read here, so it cannot be told from an admin
  // write: refused where the radio would act on it. One for another node passes (a relayed or
  // app-encrypted packet): the radio only sends it on, and a node there decides for itself.
  if (decoded === null && !admin && reachesOwnModules(packet.to, myNodeNum)) return { kind: "refuse", what: "an encrypted packet to the radio itself", requestId: packet.id };
  if (decoded?.portnum !== PortNum.ADMIN_APP) return { kind: "forward", packet: facts, dmTo: pkiDestination(packet, myNodeNum), adminWrite: false };
  let adminCase: string;
  let contactNum = 0;
  try {
    const message = decodeAdmin(decoded.payload);
    adminCase = message.payloadVariant.case ?? "empty";
    if (message.payloadVariant.case === "addContact") contactNum = message.payloadVariant.value.nodeNum;
  } catch {
    adminCase = "undecodable";
  }
  if (isReadOnly(adminCase)) return { kind: "forward", packet: facts, dmTo: null, adminWrite: false };
  if (admin) return { kind: "forward", packet: facts, dmTo: null, adminWrite: true };
  // The official apps send add_contact before every DM: refusing it would break them.
  if (adminCase === "addContact" && (packet.to === myNodeNum || packet.to === 0)) {
    return { kind: "contact", num: contactNum, requestId: packet.id, wantAck: packet.wantAck };
  }
  return { kind: "refuse", what: `admin ${adminCase}`, requestId: packet.id };
}

export function classifyRequest(message: ToRadio, myNodeNum: number, admin: boolean): ClientRequest {
  const variant = message.payloadVariant;
  switch (variant.case) {
    case "wantConfigId":
      return { kind: "handshake", nonce: variant.value };
    case "heartbeat":
      return { kind: "heartbeat" };
    case "disconnect":
      return { kind: "disconnect" };
    case "packet":
      return classifyPacket(variant.value, myNodeNum, admin);
    case "mqttClientProxyMessage":
      return { kind: "forward", packet: null, dmTo: null, adminWrite: false };
    case "xmodemPacket":
      // File transfers read and write the radio's files, the preferences with the private key among them.
      return admin ? { kind: "forward", packet: null, dmTo: null, adminWrite: false } : { kind: "refuse", what: "xmodem file transfer", requestId: null };
    default:
      return { kind: "ignore" };
  }
}
