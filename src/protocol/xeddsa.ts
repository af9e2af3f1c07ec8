// Firmware 2.8 signs every broadcast, non-PKI packet it originates with XEdDSA (Router.cpp
// perhapsEncode) and puts the signature in Data.xeddsa_signature. A gateway's MQTT uplink
// keeps that field, so we can check a NodeInfo ourselves instead of trusting the gateway's
// `xeddsa_signed` claim (the firmware never trusts an inbound flag either, Router.cpp
// checkXeddsaReceivePolicy). Verification is plain Ed25519 (rweather XEdDSA inherits
// Ed25519::verify) against the node's Curve25519 key mapped to Edwards form, so node:crypto
// does the curve work and BigInt only the key conversion.
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import { crc32 } from "../crc32.js";
import { PortNum } from "./messages.js";
import { readBytesField } from "./wire-fields.js";

export const XEDDSA_SIGNATURE_LENGTH = 64;
const KEY_LENGTH = 32;
/** Data.xeddsa_signature (mesh.proto, firmware 2.8); not in @meshtastic/protobufs 2.7.18. */
const DATA_SIGNATURE_FIELD = 10;
/** User.public_key. */
const USER_PUBLIC_KEY_FIELD = 8;
/**
 * CryptoEngine.h MAX_BLOCKSIZE: buildSigningBuffer refuses a longer message, so the firmware
 * neither signs nor accepts one; a signature over more is not one the mesh would honour.
 */
export const MAX_SIGNED_MESSAGE = 256;
const HEADER_LENGTH = 12;
/** Only a NodeInfo can introduce a key (verifyFirstContactNodeInfo); a plain number, as it arrives. */
const NODEINFO_APP: number = PortNum.NODEINFO_APP;

const P = (1n << 255n) - 19n;
const MONTGOMERY_A = 486662n;
/** DER SubjectPublicKeyInfo header for an Ed25519 key (RFC 8410), followed by the 32 key bytes. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
/** Converted keys kept: more than the nodes a large mesh's uplink shows, at ~0.4 ms to rebuild one. */
export const KEY_CACHE_SIZE = 1024;

function fromLittleEndian(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i] as number);
  return n;
}

function toLittleEndian32(n: bigint): Uint8Array {
  const out = new Uint8Array(KEY_LENGTH);
  for (let i = 0; i < KEY_LENGTH; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function mod(n: bigint): bigint {
  const r = n % P;
  return r < 0n ? r + P : r;
}

function power(base: bigint, exponent: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
  }
  return result;
}

/**
 * True when u is a point of order 1, 2, 4 or 8 (on the curve or its twist): three x-only
 * doublings (RFC 7748 formulas, projective) reach the point at infinity. With such a key,
 * k·A takes at most 8 values, so anyone forges a signature in a few tries; the firmware does
 * not check this, but a key anyone can sign for proves nothing about who sent a packet.
 */
function smallOrder(u: bigint): boolean {
  let x = u;
  let z = 1n;
  for (let i = 0; i < 3; i++) {
    const xx = (x * x) % P;
    const zz = (z * z) % P;
    const xz = (x * z) % P;
    const nx = mod(xx - zz);
    x = (nx * nx) % P;
    z = mod(4n * xz * ((xx + MONTGOMERY_A * xz + zz) % P));
    if (z === 0n) return true;
  }
  return false;
}

/**
 * The Ed25519 public key for a Curve25519 public key, as CryptoEngine::curve_to_ed_pub makes
 * it: bit 255 of u cleared, y = (u − 1)/(u + 1) mod p, sign bit 0 (the signer negates its
 * scalar when needed so that this holds, XEdDSA::priv_curve_to_ed_keys). Null for a key that
 * names no usable point: u = p − 1 (u + 1 has no inverse; the firmware would compute y = 0
 * from "inverse of 0 = 0"), u ≥ p (never produced by X25519; the firmware reduces it, we
 * refuse it), and small-order points.
 */
export function edwardsFromMontgomery(u: Uint8Array): Uint8Array | null {
  if (u.length !== KEY_LENGTH) return null;
  const masked = fromLittleEndian(u) & ((1n << 255n) - 1n);
  if (masked >= P || masked === P - 1n || smallOrder(masked)) return null;
  const y = ((masked - 1n + P) * power(masked + 1n, P - 2n)) % P;
  // y < p < 2^255, so bit 255 (the x sign bit) is already 0.
  return toLittleEndian32(y);
}

/**
 * The bytes the firmware signs, CryptoEngine.cpp buildSigningBuffer: from, id and portnum as
 * native (little-endian on every Meshtastic target) uint32, then the raw Data.payload bytes;
 * not the encoded Data, so `to`, hops, channel and the other Data fields are not covered.
 * Throws a RangeError for a value that is no uint32.
 */
export function signedMessage(from: number, id: number, portnum: number, payload: Uint8Array): Uint8Array {
  const message = Buffer.alloc(HEADER_LENGTH + payload.length);
  message.writeUInt32LE(from, 0);
  message.writeUInt32LE(id, 4);
  message.writeUInt32LE(portnum, 8);
  message.set(payload, HEADER_LENGTH);
  return message;
}

// A node's key comes back with every one of its packets; the BigInt inversion is the slow
// part, so converted keys are kept, least recently used dropped first. Refused keys are kept
// too (as null), so a node with a bad key costs one conversion, not one per packet.
const keys = new Map<string, KeyObject | null>();

/** How many converted keys are held now; never more than KEY_CACHE_SIZE. */
export function cachedKeyCount(): number {
  return keys.size;
}

function edwardsKey(publicKey: Uint8Array): KeyObject | null {
  const id = Buffer.from(publicKey).toString("hex");
  const cached = keys.get(id);
  if (cached !== undefined) {
    keys.delete(id);
    keys.set(id, cached);
    return cached;
  }
  const ed = edwardsFromMontgomery(publicKey);
  let key: KeyObject | null = null;
  if (ed !== null) {
    try {
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, ed]), format: "der", type: "spki" });
    } catch {
      key = null;
    }
  }
  keys.set(id, key);
  if (keys.size > KEY_CACHE_SIZE) {
    const oldest = keys.keys().next().value;
    if (oldest !== undefined) keys.delete(oldest);
  }
  return key;
}

/**
 * Whether `signature` (R‖S) is an XEdDSA signature of `message` by the Curve25519
 * `publicKey`. Never throws: wrong lengths, unusable keys and messages longer than the
 * firmware's signing buffer are all simply false.
 */
export function verifyXeddsa(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== KEY_LENGTH || signature.length !== XEDDSA_SIGNATURE_LENGTH) return false;
  if (message.length > MAX_SIGNED_MESSAGE) return false;
  try {
    const key = edwardsKey(publicKey);
    // OpenSSL also refuses S ≥ L and non-canonical R, which honest firmware never produces.
    return key !== null && verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/**
 * Data.xeddsa_signature from an encoded Data, read from the wire bytes; null when the packet
 * is unsigned, the field is not 64 bytes (the firmware verifies only a full signature), or the
 * Data does not scan.
 */
export function readDataSignature(dataBytes: Uint8Array): Uint8Array | null {
  const signature = readBytesField(dataBytes, DATA_SIGNATURE_FIELD);
  return signature !== null && signature.length === XEDDSA_SIGNATURE_LENGTH ? signature : null;
}

export interface SignedPacket {
  from: number;
  id: number;
  portnum: number;
  /** The raw Data.payload bytes (for NodeInfo, the encoded User). */
  payload: Uint8Array;
  signature: Uint8Array | null;
  /** The node's Curve25519 public key, User.public_key of `payload`. */
  key: Uint8Array;
}

/**
 * The firmware's first-contact rule (Router.cpp verifyFirstContactNodeInfo): a NodeInfo from
 * a node we hold no key for counts only when it is NODEINFO_APP, its User carries this very
 * key, the node number is crc32(key) (2.8 numbers new nodes that way, NodeDB.cpp
 * createNewIdentity, so a stranger cannot claim someone else's number with its own key) and
 * the signature verifies with that key. Never throws.
 */
export function selfCertified(packet: SignedPacket): boolean {
  const { from, id, portnum, payload, signature, key } = packet;
  if (signature === null || portnum !== NODEINFO_APP || key.length !== KEY_LENGTH) return false;
  if (!Number.isInteger(from) || !Number.isInteger(id) || from < 0 || id < 0 || from > 0xffffffff || id > 0xffffffff) {
    return false;
  }
  if (crc32(key) !== from) return false;
  const userKey = readBytesField(payload, USER_PUBLIC_KEY_FIELD);
  if (userKey === null || !Buffer.from(userKey).equals(Buffer.from(key))) return false;
  return verifyXeddsa(key, signedMessage(from, id, portnum, payload), signature);
}
