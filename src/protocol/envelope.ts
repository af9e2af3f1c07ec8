// The mesh's MQTT uplink on the wire (mqtt.proto ServiceEnvelope, mesh.proto MeshPacket and
// Data), in the plain shapes uplink/ works with: the rest of the code never sees a protobuf.
// Decoding throws on bytes that are no such message; uplink/decode.ts counts that.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Mesh, Mqtt } from "@meshtastic/protobufs";
import { PortNum } from "./messages.js";
import { readDataSignature } from "./xeddsa.js";

/** A MeshPacket as it travels in an envelope: still encrypted, or already decoded by the gateway. */
export interface UplinkPacket {
  from: number;
  /** The packet id: with `from`, the AES-CTR nonce and the replay key. */
  id: number;
  /** The channel hash (channel_id's name XOR key, one byte) for a channel packet. */
  channel: number;
  /** Channel- or PKI-encrypted bytes; null when the gateway uplinked it decoded. */
  encrypted: Uint8Array | null;
  /** Data as the gateway uplinked it in the clear; null when encrypted. */
  decoded: UplinkData | null;
  pkiEncrypted: boolean;
  /** MeshPacket.public_key (field 16): the sender's key where the packet carries it; empty otherwise. */
  publicKey: Uint8Array;
}

export interface UplinkData {
  portnum: number;
  payload: Uint8Array;
  /** Firmware 2.8: Data.xeddsa_signature of a NodeInfo (64 bytes), read for our own check; null otherwise. */
  signature: Uint8Array | null;
}

const NODEINFO_APP: number = PortNum.NODEINFO_APP;

export interface Envelope {
  /** null: an envelope without a packet. */
  packet: UplinkPacket | null;
  channelId: string;
  gatewayId: string;
}

export function decodeServiceEnvelope(bytes: Uint8Array): Envelope {
  const message = fromBinary(Mqtt.ServiceEnvelopeSchema, bytes);
  const p = message.packet;
  if (p === undefined) return { packet: null, channelId: message.channelId, gatewayId: message.gatewayId };
  const variant = p.payloadVariant;
  const packet: UplinkPacket = {
    from: p.from >>> 0,
    id: p.id >>> 0,
    channel: p.channel,
    encrypted: variant.case === "encrypted" ? variant.value : null,
    decoded: variant.case === "decoded" ? dataOf(variant.value, null) : null,
    pkiEncrypted: p.pkiEncrypted,
    publicKey: p.publicKey,
  };
  return { packet, channelId: message.channelId, gatewayId: message.gatewayId };
}

/** A decrypted channel payload. Throws on bytes that are not a Data message. */
export function decodeData(bytes: Uint8Array): UplinkData {
  return dataOf(fromBinary(Mesh.DataSchema, bytes), bytes);
}

/**
 * A Data in our shape. The signature field is newer than the protobufs package (it sits in
 * the unknown fields), so it is read off the wire bytes: the received ones, or the message
 * encoded again (unknown fields included) for a gateway's plaintext uplink. Only a NodeInfo's
 * matters to us, so nothing else pays for the scan.
 */
function dataOf(data: Mesh.Data, bytes: Uint8Array | null): UplinkData {
  const signature = (data.portnum as number) === NODEINFO_APP ? readDataSignature(bytes ?? toBinary(Mesh.DataSchema, data)) : null;
  return { portnum: data.portnum, payload: data.payload, signature };
}

// --- Encoding, for the tests' and the bench's publisher (what a gateway radio sends). ---

export type ServiceEnvelopeInit = MessageInitShape<typeof Mqtt.ServiceEnvelopeSchema>;

export function encodeServiceEnvelope(init: ServiceEnvelopeInit): Uint8Array {
  return toBinary(Mqtt.ServiceEnvelopeSchema, create(Mqtt.ServiceEnvelopeSchema, init));
}

export function encodeData(portnum: number, payload: Uint8Array): Uint8Array {
  return toBinary(Mesh.DataSchema, create(Mesh.DataSchema, { portnum, payload }));
}
