// A companion that plays the mesh's gateways on an uplink broker: it builds ServiceEnvelopes
// as a radio with an MQTT uplink publishes them (FIRMWARE.md "The mesh's MQTT uplink") and
// publishes them to a real broker. The envelopes are built with our own protocol/ helpers
// and node:crypto, so the tests check the decoder against the firmware's rules, not itself:
// the nonce, the PSK expansion and the hash are written out again here from the spec.
import { createCipheriv } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { encodeData, encodeServiceEnvelope } from "../../src/protocol/envelope.js";
import { encodeUser, PortNum } from "../../src/protocol/messages.js";
import { fromBinary } from "@bufbuild/protobuf";
import { Mesh } from "@meshtastic/protobufs";
import { dataWithSignature, signedNodeInfo, type TestSigner } from "./xeddsa-signer.js";

export interface Channel {
  name: string;
  /** base64 PSK as configured (0, 1, 16 or 32 bytes). */
  psk: string;
}

export const LONG_FAST: Channel = { name: "LongFast", psk: "AQ==" };

export interface NodeInfoSpec {
  from: number;
  key: Uint8Array;
  longName?: string;
  shortName?: string;
  /** Packet id; default: a fresh one. */
  id?: number;
  channel?: Channel;
  /** "!a1b2c3d4" */
  gateway?: string;
  root?: string;
  /** Put the key in MeshPacket.public_key (field 16) instead of User.public_key. */
  keyInPacket?: boolean;
}

export interface Uplinked {
  topic: string;
  payload: Buffer;
}

let nextId = 0x1000;

export function nodeIdOf(num: number): string {
  return `!${(num >>> 0).toString(16).padStart(8, "0")}`;
}

/** The AES key of a PSK, written out from FIRMWARE.md (not imported from src/). */
export function keyOf(psk: string): Buffer {
  const raw = Buffer.from(psk, "base64");
  if (raw.length !== 1) return raw;
  const key = Buffer.from("d4f1bb3a20290759f0bcffabcf4e6901", "hex");
  key[15] = (key[15]! + raw[0]! - 1) & 0xff;
  return key;
}

export function hashOf(channel: Channel): number {
  let h = 0;
  for (const b of Buffer.from(channel.name, "utf8")) h ^= b;
  for (const b of keyOf(channel.psk)) h ^= b;
  return h;
}

export function encrypt(channel: Channel, id: number, from: number, plain: Uint8Array): Buffer {
  const key = keyOf(channel.psk);
  if (key.length === 0) return Buffer.from(plain);
  const nonce = Buffer.alloc(16);
  nonce.writeUInt32LE(id >>> 0, 0);
  nonce.writeUInt32LE(from >>> 0, 8);
  const cipher = createCipheriv(key.length === 32 ? "aes-256-ctr" : "aes-128-ctr", key, nonce);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

/** A channel-encrypted NODEINFO_APP envelope from `from`, uplinked by `gateway`. */
export function nodeInfoEnvelope(spec: NodeInfoSpec): Uplinked {
  const channel = spec.channel ?? LONG_FAST;
  const id = spec.id ?? nextId++;
  const gateway = spec.gateway ?? "!a1b2c3d4";
  const user = encodeUser({
    id: nodeIdOf(spec.from),
    longName: spec.longName ?? `Node ${nodeIdOf(spec.from)}`,
    shortName: spec.shortName ?? nodeIdOf(spec.from).slice(-4),
    publicKey: spec.keyInPacket === true ? new Uint8Array(0) : spec.key,
  });
  const data = encodeData(PortNum.NODEINFO_APP, user);
  const payload = encodeServiceEnvelope({
    packet: {
      from: spec.from,
      to: 0xffffffff,
      id,
      channel: hashOf(channel),
      hopLimit: 3,
      payloadVariant: { case: "encrypted", value: encrypt(channel, id, spec.from, data) },
      ...(spec.keyInPacket === true ? { publicKey: spec.key } : {}),
    },
    channelId: channel.name,
    gatewayId: gateway,
  });
  return { topic: `${spec.root ?? "msh/EU_868"}/2/e/${channel.name}/${gateway}`, payload: Buffer.from(payload) };
}

/**
 * A firmware 2.8 node's signed NodeInfo broadcast as a gateway uplinks it: LongFast-encrypted,
 * or in the clear (`plain`, a gateway with MQTT encryption off). `from` defaults to the
 * signer's own crc32 number; `tamper` flips a byte of the signature after signing.
 */
export function signedNodeInfoEnvelope(signer: TestSigner, opts: { from?: number; gateway?: string; tamper?: boolean; plain?: boolean } = {}): Uplinked {
  const id = nextId++;
  const gateway = opts.gateway ?? "!a1b2c3d4";
  const from = opts.from ?? signer.nodeNum;
  const info = signedNodeInfo(signer, id);
  const signature = Buffer.from(info.signature);
  if (opts.tamper === true) signature[5] = signature[5]! ^ 0x01;
  // The signed bytes name the signer's own number: another `from` is what a forger would send.
  const data = dataWithSignature(info.portnum, info.payload, signature);
  const packet =
    opts.plain === true
      ? { payloadVariant: { case: "decoded" as const, value: fromBinary(Mesh.DataSchema, data) } }
      : { channel: hashOf(LONG_FAST), payloadVariant: { case: "encrypted" as const, value: encrypt(LONG_FAST, id, from, data) } };
  const payload = encodeServiceEnvelope({ packet: { from, to: 0xffffffff, id, hopLimit: 3, ...packet }, channelId: "LongFast", gatewayId: gateway });
  return { topic: `msh/EU_868/2/e/LongFast/${gateway}`, payload: Buffer.from(payload) };
}

/** A PKI DM as uplinked: to one node, still encrypted with its key (skipped). */
export function pkiEnvelope(from: number, to: number, gateway = "!a1b2c3d4"): Uplinked {
  const payload = encodeServiceEnvelope({
    packet: { from, to, id: nextId++, channel: 0, pkiEncrypted: true, payloadVariant: { case: "encrypted", value: new Uint8Array(48).fill(7) } },
    channelId: "PKI",
    gatewayId: gateway,
  });
  return { topic: `msh/EU_868/2/e/PKI/${gateway}`, payload: Buffer.from(payload) };
}

/** A text message on LongFast (decrypts; no key in it). */
export function textEnvelope(from: number, text: string, gateway = "!a1b2c3d4"): Uplinked {
  const id = nextId++;
  const data = encodeData(PortNum.TEXT_MESSAGE_APP, Buffer.from(text));
  const payload = encodeServiceEnvelope({
    packet: { from, to: 0xffffffff, id, channel: hashOf(LONG_FAST), payloadVariant: { case: "encrypted", value: encrypt(LONG_FAST, id, from, data) } },
    channelId: "LongFast",
    gatewayId: gateway,
  });
  return { topic: `msh/EU_868/2/e/LongFast/${gateway}`, payload: Buffer.from(payload) };
}

/** Bytes that are no ServiceEnvelope (seeded, so a failure reproduces). */
export function garbageEnvelope(seed: number, gateway = "!a1b2c3d4"): Uplinked {
  const bytes = Buffer.alloc(40 + (seed % 80));
  let x = seed * 2654435761;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  // A field number 0 first: never a valid protobuf tag, so the parse fails for sure.
  bytes[0] = 0;
  return { topic: `msh/EU_868/2/e/LongFast/${gateway}`, payload: bytes };
}

/** Publishes envelopes to the uplink broker, as gateways would (QoS 0, not retained). */
export class UplinkPublisher {
  private constructor(private readonly client: MqttClient) {}

  static async connect(url: string): Promise<UplinkPublisher> {
    return new UplinkPublisher(await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 }));
  }

  async publish(...messages: Uplinked[]): Promise<void> {
    for (const m of messages) await this.client.publishAsync(m.topic, m.payload, { qos: 0 });
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}
