// A stand-in for a firmware 2.8 node's signer. The firmware signs with its X25519 private key
// turned into an Ed25519 one whose public point has sign bit 0 (XEdDSA::priv_curve_to_ed_keys)
// and publishes the Montgomery u of that point as User.public_key. Going the other way gives
// the same pair: take an ordinary Ed25519 key whose point has sign bit 0 and publish its u.
// Standard Ed25519 signatures are what XEdDSA verification accepts (rweather XEdDSA inherits
// Ed25519::verify), so node:crypto signs. The u comes from our own BigInt here, not from
// src/protocol/xeddsa.ts, so a conversion bug there cannot cancel itself out in the tests.
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { crc32 } from "node:zlib";
import { create, toBinary } from "@bufbuild/protobuf";
import { Mesh } from "@meshtastic/protobufs";
import { PortNum } from "../../src/protocol/messages.js";

const P = (1n << 255n) - 19n;

function le(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

function inverse(a: bigint): bigint {
  let result = 1n;
  let base = ((a % P) + P) % P;
  for (let e = P - 2n; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * base) % P;
    base = (base * base) % P;
  }
  return result;
}

/** u = (1 + y)/(1 − y) mod p, RFC 7748 §4.1. */
export function montgomeryFromEdwards(ed: Uint8Array): Uint8Array {
  const y = le(ed) & ((1n << 255n) - 1n);
  return le32(((1n + y) * inverse(1n - y + P)) % P);
}

export interface TestSigner {
  /** The Curve25519 public key the node announces (User.public_key). */
  publicKey: Uint8Array;
  /** The Ed25519 public key behind it, sign bit 0. */
  edwardsKey: Uint8Array;
  /** crc32(publicKey): the number a 2.8 node takes for itself. */
  nodeNum: number;
  sign(message: Uint8Array): Uint8Array;
}

export function makeSigner(): TestSigner {
  for (;;) {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const ed = rawEd25519(publicKey);
    if ((ed[31]! & 0x80) !== 0) continue;
    const u = montgomeryFromEdwards(ed);
    return {
      publicKey: u,
      edwardsKey: ed,
      nodeNum: crc32(u) >>> 0,
      sign: (message) => new Uint8Array(sign(null, message, privateKey)),
    };
  }
}

function rawEd25519(key: KeyObject): Uint8Array {
  const jwk = key.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(jwk.x!, "base64url"));
}

/** The raw bytes buildSigningBuffer would sign, written out independently of the code under test. */
export function firmwareMessage(from: number, id: number, portnum: number, payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(12);
  header.writeUInt32LE(from, 0);
  header.writeUInt32LE(id, 4);
  header.writeUInt32LE(portnum, 8);
  return Buffer.concat([header, payload]);
}

export function userPayload(publicKey: Uint8Array, nodeNum: number): Uint8Array {
  const id = `!${nodeNum.toString(16).padStart(8, "0")}`;
  return toBinary(Mesh.UserSchema, create(Mesh.UserSchema, { id, longName: "Signed Node", shortName: "SN", publicKey }));
}

export interface SignedNodeInfo {
  from: number;
  id: number;
  portnum: number;
  /** The encoded User, Data.payload. */
  payload: Uint8Array;
  signature: Uint8Array;
  /** The encoded Data as it travels: fields 1..9 from protobufs, then field 10. */
  data: Uint8Array;
}

/**
 * A broadcast NodeInfo's Data as a 2.8 node sends it. Field 10 is appended by hand (tag 0x52,
 * length 64) because @meshtastic/protobufs 2.7.18 has no such field; nanopb writes fields in
 * number order, so it comes last on the wire too.
 */
export function signedNodeInfo(signer: TestSigner, id: number, extra: { bitfield?: number; wantResponse?: boolean } = {}): SignedNodeInfo {
  const from = signer.nodeNum;
  const portnum = PortNum.NODEINFO_APP;
  const payload = userPayload(signer.publicKey, from);
  const signature = signer.sign(firmwareMessage(from, id, portnum, payload));
  return { from, id, portnum, payload, signature, data: dataWithSignature(portnum, payload, signature, extra) };
}

export function dataWithSignature(
  portnum: number,
  payload: Uint8Array,
  signature: Uint8Array | null,
  extra: { bitfield?: number; wantResponse?: boolean } = {},
): Uint8Array {
  const data = toBinary(Mesh.DataSchema, create(Mesh.DataSchema, { portnum, payload, ...extra }));
  if (signature === null) return data;
  // A one-byte length: enough for the 64-byte field and the short ones the tests try.
  if (signature.length > 127) throw new RangeError("signature field too long for this helper");
  return Buffer.concat([data, Uint8Array.of(0x52, signature.length), signature]);
}
