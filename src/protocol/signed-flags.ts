// Firmware 2.8's signature flags, read from (and written to) unknown fields: @meshtastic/protobufs
// 2.7.18 has neither NodeInfo.has_xeddsa_signed (field 14) nor MeshPacket.xeddsa_signed (field
// 22), so protobuf-es keeps them, undecoded, in the message's `$unknown` list ({no, wireType,
// data}: data is the value's own bytes, the tag left out). Replace all of this with the typed
// fields the day the protobufs package has them; nothing outside this file knows the numbers.
import { create, type UnknownField } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import { Mesh } from "@meshtastic/protobufs";
import type { MeshPacket, MeshPacketInit, NodeInfo, NodeInfoInit } from "./messages.js";

/** mesh.proto (2.8) NodeInfo.has_xeddsa_signed: the radio verified the node's signed NodeInfo. */
export const NODEINFO_HAS_XEDDSA_SIGNED = 14;
/** mesh.proto (2.8) MeshPacket.xeddsa_signed: the radio verified this packet's XEdDSA signature. */
export const MESHPACKET_XEDDSA_SIGNED = 22;

interface WithUnknown {
  $unknown?: UnknownField[];
}

/**
 * A bool kept as an unknown field: true or false when the message carries it, undefined when
 * not. As protobuf decoding does, the last occurrence wins and any non-zero varint is true;
 * a record of another wire type (a corrupt frame, a future change of type) is no value.
 */
export function unknownBool(message: WithUnknown, no: number): boolean | undefined {
  let value: boolean | undefined;
  for (const field of message.$unknown ?? []) {
    if (field.no !== no || field.wireType !== WireType.Varint) continue;
    const varint = nonZeroVarint(field.data);
    if (varint !== undefined) value = varint;
  }
  return value;
}

/**
 * Sets (true) or clears (false) a bool kept as an unknown field; proto3 never writes a false
 * bool, so clearing leaves no record. Changes `message` and returns it.
 */
export function setUnknownBool<T extends WithUnknown>(message: T, no: number, value: boolean): T {
  const others = (message.$unknown ?? []).filter((field) => field.no !== no);
  if (value) others.push({ no, wireType: WireType.Varint, data: Uint8Array.of(1) });
  message.$unknown = others.length > 0 ? others : undefined;
  return message;
}

/** NodeInfo.has_xeddsa_signed; false when absent (a 2.7 radio, or a node that never signed). */
export function nodeInfoSigned(info: NodeInfo): boolean {
  return unknownBool(info, NODEINFO_HAS_XEDDSA_SIGNED) ?? false;
}

/** MeshPacket.xeddsa_signed; false when absent. */
export function packetSigned(packet: MeshPacket): boolean {
  return unknownBool(packet, MESHPACKET_XEDDSA_SIGNED) ?? false;
}

/** A NodeInfo message with has_xeddsa_signed set as asked (the simulator's 2.8 dumps). */
export function nodeInfoWithSigned(init: NodeInfoInit, signed: boolean): NodeInfo {
  return setUnknownBool(create(Mesh.NodeInfoSchema, init), NODEINFO_HAS_XEDDSA_SIGNED, signed);
}

/** A MeshPacket message with xeddsa_signed set as asked (the simulator's 2.8 live packets). */
export function packetWithSigned(init: MeshPacketInit, signed: boolean): MeshPacket {
  return setUnknownBool(create(Mesh.MeshPacketSchema, init), MESHPACKET_XEDDSA_SIGNED, signed);
}

/** Whether a varint's value is non-zero; undefined for a truncated or over-long one. */
function nonZeroVarint(bytes: Uint8Array): boolean | undefined {
  let nonZero = false;
  for (let i = 0; i < bytes.length && i < 10; i++) {
    const byte = bytes[i] as number;
    if ((byte & 0x7f) !== 0) nonZero = true;
    if ((byte & 0x80) === 0) return i === bytes.length - 1 ? nonZero : undefined;
  }
  return undefined;
}
