// One envelope from the uplink → at most one node's claimed identity, decoded once, here.
// Pure, and bounded: sizes are checked before any parsing, at most MAX_TRIES keys are tried,
// and nothing throws: every way an envelope can be useless is an outcome with a reason, for
// the counters (CONTRACT.md `bridge/health.uplink`).
import { decodeData, decodeServiceEnvelope, type Envelope, type UplinkData, type UplinkPacket } from "../protocol/envelope.js";
import { decodeUser, PortNum, PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { selfCertified } from "../protocol/xeddsa.js";
import { nodeId } from "../node-id.js";
import type { ChannelKeys } from "./channels.js";
import { channelCrypt } from "./crypto.js";
import { parseUplinkTopic, PKI_CHANNEL } from "./topic.js";

/** An envelope larger than this is refused unread: a ServiceEnvelope of a 256-byte LoRa packet is well under it. */
export const MAX_ENVELOPE_BYTES = 2048;
/** The packet's payload: a LoRa packet holds at most 256 bytes, headers included. */
export const MAX_PAYLOAD_BYTES = 512;

const NODEINFO_APP: number = PortNum.NODEINFO_APP;

/** Why an envelope gave nothing, and was not worth having: counted as refused. */
export type RefusedReason = "topic" | "oversize" | "malformed" | "unknown_channel" | "undecryptable";
/** Why a sound envelope gave nothing: counted as skipped (most traffic is not a NodeInfo). */
export type SkippedReason = "pki" | "no_key";

export interface UplinkClaim {
  num: number;
  /** The packet id: with `num`, what a replay repeats. */
  packetId: number;
  gateway: string;
  longName?: string;
  shortName?: string;
  key: Uint8Array;
  /**
   * Firmware 2.8: we verified the NodeInfo's XEdDSA signature with this key and the sender's
   * number is crc32(key): self-certified, whatever relayed it (the directory's uplink trust).
   */
  signed?: true;
}

export type EnvelopeOutcome =
  | { kind: "refused"; reason: RefusedReason }
  | { kind: "skipped"; reason: SkippedReason; decrypted: boolean }
  | { kind: "claim"; claim: UplinkClaim; decrypted: boolean };

/** Sender and packet id, read before decrypting, so a replay is dropped for the price of the envelope's parse. */
export interface Peek {
  gateway: string;
  channelId: string;
  envelope: Envelope;
  packet: UplinkPacket;
}

/** First step: topic, size, protobuf. Either a refusal/skip, or what the next step needs. */
export function peekEnvelope(topic: string, payload: Uint8Array): EnvelopeOutcome | Peek {
  const where = parseUplinkTopic(topic);
  if (where === null) return refused("topic");
  if (payload.length > MAX_ENVELOPE_BYTES) return refused("oversize");
  let envelope: Envelope;
  try {
    envelope = decodeServiceEnvelope(payload);
  } catch {
    return refused("malformed");
  }
  const packet = envelope.packet;
  if (packet === null || packet.from === 0) return refused("malformed");
  // A DM encrypted to one node's key: nothing in it for us (and PKI packets carry their
  // sender's key only where the firmware checks it, which we cannot).
  if (where.channelId === PKI_CHANNEL || packet.pkiEncrypted) return { kind: "skipped", reason: "pki", decrypted: false };
  const size = packet.encrypted?.length ?? packet.decoded?.payload.length ?? 0;
  if (size > MAX_PAYLOAD_BYTES) return refused("oversize");
  return { gateway: where.gateway, channelId: where.channelId, envelope, packet };
}

/** Second step: decrypt if need be, and take the key a NodeInfo (or MeshPacket.public_key) carries. */
export function readPacket(peek: Peek, channels: ChannelKeys): EnvelopeOutcome {
  const { packet } = peek;
  let data: UplinkData | null = packet.decoded;
  let decrypted = false;
  if (packet.encrypted !== null) {
    const candidates = channels.candidates(peek.channelId, packet.channel);
    if (candidates.length === 0) return refused("unknown_channel");
    data = firstReadable(candidates.map((c) => c.key), packet);
    if (data === null) return refused("undecryptable");
    decrypted = true;
  }
  if (data === null) return refused("malformed");
  const claim = claimOf(packet, data, peek.gateway);
  if (claim === "malformed") return refused("malformed");
  return claim === null ? { kind: "skipped", reason: "no_key", decrypted } : { kind: "claim", claim, decrypted };
}

/** Both steps, for callers without a replay check in between (tests, the bench's baseline). */
export function readEnvelope(topic: string, payload: Uint8Array, channels: ChannelKeys): EnvelopeOutcome {
  const peek = peekEnvelope(topic, payload);
  return "kind" in peek ? peek : readPacket(peek, channels);
}

/**
 * A wrong key gives garbage, which seldom parses as Data and, when it does by chance,
 * almost never names a port: the firmware's own test of a decryption (Router.cpp perhapsDecode).
 */
function firstReadable(keys: Uint8Array[], packet: UplinkPacket): UplinkData | null {
  const encrypted = packet.encrypted ?? new Uint8Array(0);
  for (const key of keys) {
    try {
      const data = decodeData(channelCrypt(key, packet.id, packet.from, encrypted));
      if (data.portnum !== 0) return data;
    } catch {
      // Not this key.
    }
  }
  return null;
}

/** null: a sound packet without a key for us; "malformed": a NodeInfo that does not parse or names another node. */
function claimOf(packet: UplinkPacket, data: UplinkData, gateway: string): UplinkClaim | null | "malformed" {
  const base = { num: packet.from, packetId: packet.id, gateway };
  if (data.portnum === NODEINFO_APP) {
    let user;
    try {
      user = decodeUser(data.payload);
    } catch {
      return "malformed";
    }
    // A NodeInfo speaks for its sender alone (NodeDB::updateUser keys it by `from`).
    if (user.id !== "" && user.id.toLowerCase() !== nodeId(packet.from)) return "malformed";
    const key = user.publicKey.length === PUBLIC_KEY_LENGTH ? user.publicKey : packet.publicKey;
    if (key.length !== PUBLIC_KEY_LENGTH) return null;
    const claim: UplinkClaim = { ...base, longName: user.longName, shortName: user.shortName, key };
    // Firmware 2.8: checked here, where the packet is still whole. A gateway's own
    // xeddsa_signed flag is not asked: anyone can set it on a public broker.
    if (data.signature !== null && selfCertified({ from: packet.from, id: packet.id, portnum: data.portnum, payload: data.payload, signature: data.signature, key })) claim.signed = true;
    return claim;
  }
  // MeshPacket.public_key (field 16) on any other packet: the sender's key, no names.
  return packet.publicKey.length === PUBLIC_KEY_LENGTH ? { ...base, key: packet.publicKey } : null;
}

function refused(reason: RefusedReason): EnvelopeOutcome {
  return { kind: "refused", reason };
}
