// What the radio does with a MeshPacket its client sends: which routing answer the client
// gets, and the admin messages that change the NodeDB. Pure over the NodeDB.
import { BROADCAST_NUM, PortNum, RoutingError, decodeAdmin, type MeshPacket } from "../protocol/messages.js";
import type { ContactResult, SimNodeDb } from "./nodedb.js";
import { sameBytes } from "./node.js";

export interface RoutingAnswer {
  /** Mesh.Routing_Error code; 0 is an ACK. */
  error: number;
  /** Who answers: our own radio for local failures, the far node for its ACK or NAK. */
  from: number;
}

export type AdminEffect =
  /** `manuallyVerified`: the contact asked for the verified mark; `outcome`: what the NodeDB did (nodedb.ts addContact). */
  | { kind: "addContact"; num: number; hasKey: boolean; manuallyVerified: boolean; outcome: ContactResult }
  | { kind: "removeNode"; num: number; removed: boolean }
  | { kind: "other"; case: string | undefined };

export interface ClientPacketOutcome {
  answer: RoutingAnswer | null;
  admin: AdminEffect | null;
}

export function handleClientPacket(packet: MeshPacket, db: SimNodeDb, now: number): ClientPacketOutcome {
  const own = db.own.num;
  if (packet.to === own || packet.to === 0) {
    const admin = isAdmin(packet) ? applyAdmin(packet, db, now) : null;
    // One routing ACK, whatever the admin message did (add_contact refused over a verified key
    // is still ACKed): for want_ack (ReliableRouter::sniffReceived), or as AdminModule's reply
    // to want_response. Only a later NodeDB read shows what the radio stored.
    const wantResponse = admin !== null && packet.payloadVariant.case === "decoded" && packet.payloadVariant.value.wantResponse;
    return { answer: packet.wantAck || wantResponse ? { error: RoutingError.NONE, from: own } : null, admin };
  }
  if (packet.to === BROADCAST_NUM) {
    // A rebroadcast heard from a neighbour is the implicit ACK of a broadcast (FloodingRouter).
    return { answer: packet.wantAck ? { error: RoutingError.NONE, from: own } : null, admin: null };
  }
  return { answer: directMessageAnswer(packet, db), admin: null };
}

/**
 * A DM goes PKI-encrypted with the key in the radio's own NodeDB (Router.cpp perhapsEncode).
 * Since 2.7.19 a DM to a node without a known key is not sent at all.
 */
function directMessageAnswer(packet: MeshPacket, db: SimNodeDb): RoutingAnswer | null {
  const own = db.own.num;
  const dest = db.get(packet.to);
  const pkiEligible = packet.pkiEncrypted || packet.channel === 0;
  if (pkiEligible) {
    const stored = dest?.publicKey ?? null;
    if (stored === null) return { error: RoutingError.PKI_SEND_FAIL_PUBLIC_KEY, from: own };
    // The client's public_key is only compared with the radio's, never used to encrypt.
    if (packet.publicKey.length > 0 && !sameBytes(packet.publicKey, stored)) {
      return { error: RoutingError.PKI_FAILED, from: own };
    }
    // The far node cannot decrypt and NAKs whether or not we asked for an ACK. Re-flashed,
    // with the radio encrypting to the old key it kept: "PKC decrypt attempted but failed"
    // (ReliableRouter.cpp), NO_CHANNEL. Lacking our key: PKI_UNKNOWN_PUBKEY.
    const device = db.device(packet.to);
    const reflashed = device?.publicKey != null && !sameBytes(device.publicKey, stored);
    if (reflashed) return { error: RoutingError.NO_CHANNEL, from: packet.to };
    if (dest?.lacksOurKey) return { error: RoutingError.PKI_UNKNOWN_PUBKEY, from: packet.to };
  }
  return packet.wantAck ? { error: RoutingError.NONE, from: packet.to } : null;
}

function isAdmin(packet: MeshPacket): boolean {
  return packet.payloadVariant.case === "decoded" && packet.payloadVariant.value.portnum === PortNum.ADMIN_APP;
}

/** add_contact and remove_by_nodenum, the two admin messages a key bridge uses (admin.proto). */
function applyAdmin(packet: MeshPacket, db: SimNodeDb, now: number): AdminEffect {
  if (packet.payloadVariant.case !== "decoded") return { kind: "other", case: undefined };
  let message;
  try {
    message = decodeAdmin(packet.payloadVariant.value.payload);
  } catch {
    return { kind: "other", case: "undecodable" };
  }
  const variant = message.payloadVariant;
  if (variant.case === "addContact") {
    const contact = variant.value;
    const user = contact.user;
    const publicKey = user?.publicKey ?? new Uint8Array(0);
    const stored = user ? { longName: user.longName, shortName: user.shortName, publicKey, hwModel: user.hwModel, role: user.role, isLicensed: user.isLicensed, isUnmessagable: user.isUnmessagable } : null;
    const flags = { manuallyVerified: contact.manuallyVerified, shouldIgnore: contact.shouldIgnore };
    const outcome = db.addContact(contact.nodeNum, stored, now, flags);
    return { kind: "addContact", num: contact.nodeNum, hasKey: publicKey.length > 0, manuallyVerified: contact.manuallyVerified, outcome };
  }
  if (variant.case === "removeByNodenum") {
    return { kind: "removeNode", num: variant.value, removed: db.remove(variant.value) };
  }
  return { kind: "other", case: variant.case };
}
