// Everything the client gets back for one MeshPacket it sent, in the order a 2.7.26 radio
// writes it: nothing for a repeated id; a queueStatus with the packet's id for every other
// packet, before anything else; then a traceroute's warning, or (when the packet went out)
// its routing answer and, on the Linux build, the SIMULATOR_APP copy of what was transmitted.
// Pure over the NodeDB; the session writes the frames.
import { BROADCAST_NUM, PortNum, type MeshPacket } from "../protocol/messages.js";
import { handleClientPacket, type ClientPacketOutcome } from "./client-packets.js";
import { packetFrame, queueStatusFrame, routingPacket, simulatorEcho, warningFrame } from "./encode.js";
import type { SimNodeDb } from "./nodedb.js";
import type { GateVerdict } from "./phone-gate.js";

export interface PhonePacketContext {
  db: SimNodeDb;
  /** NodeDB time (unix seconds), for what add_contact stamps. */
  nowSeconds: number;
  /** What the radio stamps on packets: 0 without a time source. */
  radioTime: number;
  /** The Linux build copies each transmitted packet to the client as SIMULATOR_APP. */
  echoTransmitted: boolean;
}

export interface PhoneReply {
  /** Null when the packet never reached the router (duplicate or refused). */
  outcome: ClientPacketOutcome | null;
  frames: Uint8Array[];
}

export function answerPhonePacket(packet: MeshPacket, verdict: GateVerdict, ctx: PhonePacketContext): PhoneReply {
  if (verdict.kind === "duplicate") return { outcome: null, frames: [] };
  const queued = queueStatusFrame(packet.id);
  if (verdict.kind === "refused") {
    // A refused text's RATE_LIMIT_EXCEEDED is addressed to node 0 (sendRoutingErrorResponse
    // on a packet whose `from` the phone left 0): it never comes back to the client.
    const warning = verdict.notification === null ? [] : [warningFrame(verdict.notification, ctx.radioTime, packet.id)];
    return { outcome: null, frames: [queued, ...warning] };
  }
  const outcome = handleClientPacket(reliableTraceroute(packet), ctx.db, ctx.nowSeconds);
  const frames = [queued];
  if (ctx.echoTransmitted && transmits(packet, ctx.db.own.num)) frames.push(simulatorEcho(packet, ctx.db.own.num, ctx.radioTime));
  if (outcome.answer) {
    const { from, error } = outcome.answer;
    frames.push(packetFrame(routingPacket(from, ctx.db.own.num, packet.id, error, { id: ctx.db.packetId(), rxTime: ctx.radioTime })));
  }
  return { outcome, frames };
}

/** "Upgrade traceroute requests from phone to use reliable delivery" (unicast only). */
function reliableTraceroute(packet: MeshPacket): MeshPacket {
  const port = packet.payloadVariant.case === "decoded" ? packet.payloadVariant.value.portnum : 0;
  if (port !== PortNum.TRACEROUTE_APP || packet.to === BROADCAST_NUM || packet.wantAck) return packet;
  return { ...packet, wantAck: true };
}

/** Packets for our own radio (admin) are handled locally and never go on the air. */
function transmits(packet: MeshPacket, ownNum: number): boolean {
  return packet.to !== ownNum && packet.to !== 0;
}
