// Firmware 2.8 XEdDSA checks, against a signer built independently of the code under test
// (test/helpers/xeddsa-signer.ts: node:crypto Ed25519 plus its own u = (1+y)/(1−y)).
import { describe, expect, it } from "vitest";
import { randomBytes } from "node:crypto";
import { PortNum } from "../../src/protocol/messages.js";
import { readBytesField } from "../../src/protocol/wire-fields.js";
import {
  KEY_CACHE_SIZE,
  MAX_SIGNED_MESSAGE,
  cachedKeyCount,
  edwardsFromMontgomery,
  readDataSignature,
  selfCertified,
  signedMessage,
  verifyXeddsa,
} from "../../src/protocol/xeddsa.js";
import { dataWithSignature, firmwareMessage, makeSigner, montgomeryFromEdwards, signedNodeInfo, userPayload } from "../helpers/xeddsa-signer.js";

const P = (1n << 255n) - 19n;
const hex = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString("hex"));
function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++, n >>= 8n) out[i] = Number(n & 0xffn);
  return out;
}

const signer = makeSigner();
const packet = signedNodeInfo(signer, 0x5eed0001);
const message = signedMessage(packet.from, packet.id, packet.portnum, packet.payload);

describe("signedMessage", () => {
  it("is LE32(from) ‖ LE32(id) ‖ LE32(portnum) ‖ payload, as buildSigningBuffer lays it out", () => {
    expect(hex(signedMessage(0x11223344, 0xa0b0c0d0, 4, Uint8Array.of(0xfe, 0xed)))).toBe("44332211d0c0b0a004000000feed");
    expect(hex(message)).toBe(hex(firmwareMessage(packet.from, packet.id, packet.portnum, packet.payload)));
  });
});

describe("verifyXeddsa", () => {
  it("accepts the node's signature over its NodeInfo", () => {
    expect(verifyXeddsa(signer.publicKey, message, packet.signature)).toBe(true);
    expect(selfCertified({ ...packet, key: signer.publicKey })).toBe(true);
  });

  it("rejects the signature when from, id, portnum, a payload byte or a signature byte changes", () => {
    const { from, id, portnum, payload, signature } = packet;
    const flipped = (bytes: Uint8Array, at: number) => {
      const copy = Uint8Array.from(bytes);
      copy[at]! ^= 0x01;
      return copy;
    };
    const verifies = (m: Uint8Array, s = signature) => verifyXeddsa(signer.publicKey, m, s);
    expect(verifies(signedMessage((from ^ 1) >>> 0, id, portnum, payload))).toBe(false);
    expect(verifies(signedMessage(from, id + 1, portnum, payload))).toBe(false);
    expect(verifies(signedMessage(from, id, PortNum.POSITION_APP, payload))).toBe(false);
    expect(verifies(signedMessage(from, id, portnum, flipped(payload, payload.length - 1)))).toBe(false);
    expect(verifies(signedMessage(from, id, portnum, payload.subarray(1)))).toBe(false);
    expect(verifies(message, flipped(signature, 0))).toBe(false); // R
    expect(verifies(message, flipped(signature, 40))).toBe(false); // S
    expect(verifyXeddsa(makeSigner().publicKey, message, signature)).toBe(false); // another node's key
    expect(verifies(message)).toBe(true); // and the untouched one still passes after all that
  });

  it("is false, without throwing, for wrong lengths, garbage signatures and unusable keys", () => {
    const sig = packet.signature;
    expect(verifyXeddsa(signer.publicKey.subarray(0, 31), message, sig)).toBe(false);
    expect(verifyXeddsa(Uint8Array.of(...signer.publicKey, 0), message, sig)).toBe(false);
    expect(verifyXeddsa(signer.publicKey, message, sig.subarray(0, 63))).toBe(false);
    expect(verifyXeddsa(signer.publicKey, message, Uint8Array.of(...sig, 0))).toBe(false);
    expect(verifyXeddsa(signer.publicKey, message, new Uint8Array(64))).toBe(false);
    expect(verifyXeddsa(signer.publicKey, message, new Uint8Array(64).fill(0xff))).toBe(false);
    expect(verifyXeddsa(new Uint8Array(32), message, sig)).toBe(false);
    expect(verifyXeddsa(le32(P - 1n), message, sig)).toBe(false);
    for (let i = 0; i < 20; i++) expect(verifyXeddsa(randomBytes(32), message, randomBytes(64))).toBe(false);
  });

  it("refuses a message longer than the firmware's 256-byte signing buffer, even correctly signed", () => {
    const at = (payloadLength: number) => {
      const m = firmwareMessage(packet.from, packet.id, 4, new Uint8Array(payloadLength).fill(7));
      return verifyXeddsa(signer.publicKey, m, signer.sign(m));
    };
    expect(at(MAX_SIGNED_MESSAGE - 12)).toBe(true);
    expect(at(MAX_SIGNED_MESSAGE - 11)).toBe(false);
  });

  it("holds at most its limit of converted keys, a repeated key counting once, and still verifies after eviction", () => {
    verifyXeddsa(signer.publicKey, message, packet.signature);
    const before = cachedKeyCount();
    for (let i = 0; i < 5; i++) verifyXeddsa(signer.publicKey, message, packet.signature);
    expect(cachedKeyCount()).toBe(before);
    for (let i = 0; i < KEY_CACHE_SIZE + 50; i++) verifyXeddsa(randomBytes(32), message, packet.signature);
    expect(cachedKeyCount()).toBe(KEY_CACHE_SIZE);
    expect(verifyXeddsa(signer.publicKey, message, packet.signature)).toBe(true);
    expect(verifyXeddsa(le32(P - 1n), message, packet.signature)).toBe(false);
  });
});

describe("selfCertified (first contact)", () => {
  it("is false for a good signature when the node number is not crc32(key)", () => {
    const from = (signer.nodeNum ^ 0x00000100) >>> 0;
    const m = firmwareMessage(from, 9, 4, packet.payload);
    const signature = signer.sign(m);
    expect(verifyXeddsa(signer.publicKey, m, signature)).toBe(true);
    expect(selfCertified({ from, id: 9, portnum: 4, payload: packet.payload, signature, key: signer.publicKey })).toBe(false);
  });

  it("is false unless it is a signed NODEINFO_APP whose User carries this very key", () => {
    const good = { ...packet, key: signer.publicKey };
    expect(selfCertified({ ...good, signature: null })).toBe(false);
    const position = firmwareMessage(packet.from, packet.id, PortNum.POSITION_APP, packet.payload);
    expect(selfCertified({ ...good, portnum: PortNum.POSITION_APP, signature: signer.sign(position) })).toBe(false);
    // Signed by the right key, but the User inside names another key.
    const otherUser = userPayload(makeSigner().publicKey, packet.from);
    const m = firmwareMessage(packet.from, packet.id, 4, otherUser);
    expect(selfCertified({ ...good, payload: otherUser, signature: signer.sign(m) })).toBe(false);
    expect(selfCertified({ ...good, from: -1 })).toBe(false);
    expect(selfCertified({ ...good, id: 2 ** 32 })).toBe(false);
    expect(selfCertified(good)).toBe(true);
  });
});

describe("edwardsFromMontgomery", () => {
  it("gives the signer's own Ed25519 key, and maps back to u (u → y → u)", () => {
    for (let i = 0; i < 5; i++) {
      const s = makeSigner();
      const ed = edwardsFromMontgomery(s.publicKey);
      expect(hex(ed)).toBe(hex(s.edwardsKey));
      expect(hex(montgomeryFromEdwards(ed!))).toBe(hex(s.publicKey));
    }
    // The X25519 base point u = 9 is the Ed25519 base point.
    expect(hex(edwardsFromMontgomery(le32(9n)))).toBe("58" + "66".repeat(31));
  });

  it("ignores bit 255 of u, as fe_frombytes does", () => {
    const high = Uint8Array.from(signer.publicKey);
    high[31]! |= 0x80;
    expect(hex(edwardsFromMontgomery(high))).toBe(hex(signer.edwardsKey));
  });

  it("is null for u = p − 1, u ≥ p, small-order points and wrong lengths", () => {
    expect(edwardsFromMontgomery(le32(P - 1n))).toBeNull();
    expect(edwardsFromMontgomery(le32(P))).toBeNull();
    expect(edwardsFromMontgomery(le32(P + 5n))).toBeNull();
    expect(edwardsFromMontgomery(new Uint8Array(32).fill(0xff))).toBeNull(); // 2^255 − 1 after masking
    expect(edwardsFromMontgomery(le32(0n))).toBeNull(); // order 2
    expect(edwardsFromMontgomery(le32(1n))).toBeNull(); // order 4
    // The two order-8 points (libsodium's X25519 blocklist).
    for (const u of ["e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800", "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157"]) {
      expect(edwardsFromMontgomery(Buffer.from(u, "hex"))).toBeNull();
    }
    expect(edwardsFromMontgomery(new Uint8Array(31))).toBeNull();
  });
});

describe("readDataSignature", () => {
  it("finds field 10 among the other Data fields", () => {
    const withExtras = signedNodeInfo(signer, 77, { bitfield: 1, wantResponse: true });
    expect(hex(readDataSignature(withExtras.data))).toBe(hex(withExtras.signature));
    expect(selfCertified({ ...withExtras, signature: readDataSignature(withExtras.data), key: signer.publicKey })).toBe(true);
    // Field 10 first, then fixed64 (wire 1) and fixed32 (wire 5) unknowns after it.
    const sig = packet.signature;
    const shuffled = Uint8Array.of(0x52, 64, ...sig, 0x08, 0x04, 0x79, ...new Uint8Array(8), 0x85, 0x01, 1, 2, 3, 4);
    expect(hex(readDataSignature(shuffled))).toBe(hex(sig));
  });

  it("keeps the last of two signature fields, as a protobuf decoder would", () => {
    const second = randomBytes(64);
    const twice = Buffer.concat([packet.data, Uint8Array.of(0x52, 64), second]);
    expect(hex(readDataSignature(twice))).toBe(hex(second));
  });

  it("is null when the field is absent, not 64 bytes, or the Data is malformed", () => {
    const unsigned = dataWithSignature(4, packet.payload, null);
    expect(readDataSignature(unsigned)).toBeNull();
    expect(readDataSignature(new Uint8Array(0))).toBeNull();
    expect(readDataSignature(dataWithSignature(4, packet.payload, packet.signature.subarray(0, 63)))).toBeNull();
    expect(readDataSignature(packet.data.subarray(0, packet.data.length - 1))).toBeNull(); // length past the end
    expect(readDataSignature(Buffer.concat([packet.data, Uint8Array.of(0x80)]))).toBeNull(); // truncated tag varint
    expect(readDataSignature(Buffer.concat([Uint8Array.of(0x08, 0x84), packet.data]))).toBeNull(); // truncated value varint
    expect(readDataSignature(Buffer.concat([Uint8Array.of(0x12, 0xff), packet.data.subarray(0, 3)]))).toBeNull(); // truncated length varint
    expect(readDataSignature(Uint8Array.of(0x52, ...new Uint8Array(10).fill(0x80)))).toBeNull(); // an 11-byte varint
    expect(readDataSignature(Buffer.concat([packet.data, Uint8Array.of(0x50, 0x01)]))).toBeNull(); // field 10 as a varint
    expect(readDataSignature(Buffer.concat([packet.data, Uint8Array.of(0x79, 1, 2)]))).toBeNull(); // fixed64 cut short
    expect(readDataSignature(Buffer.concat([Uint8Array.of(0x02, 0x00), packet.data]))).toBeNull(); // field number 0
    expect(readDataSignature(Buffer.concat([Uint8Array.of(0x0b), packet.data]))).toBeNull(); // a group
  });

  it("reads User.public_key the same way (the key selfCertified compares)", () => {
    expect(hex(readBytesField(packet.payload, 8))).toBe(hex(signer.publicKey));
  });
});

// One signature made by the firmware's own signing code rather than our test signer: the
// XEdDSA of the meshtastic fork of rweather's Crypto library with develop's (2.8.0)
// CryptoEngine key generation, crc32 numbering and buildSigningBuffer, compiled outside this
// repository; its User payload names the node "Meshtastic scratch". Data only, no code.
describe("a signature from the firmware's signing code", () => {
  const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
  const key = hex("1b335aa79a8765ef05de449707d9c6f4450da70ab8bc9dd56d9ac3799b13d618");
  const message = hex(
    "c4358693f53bca40040000000a0921393338363335633412124d65736874617374696320736372617463681a03736372282542201b335aa79a8765ef05de449707d9c6f4450da70ab8bc9dd56d9ac3799b13d618",
  );
  const signature = hex("97d71a6ad6b050fc29211c94b5aadcbde11e5f1851dffbe75fdcea88cf3928a301ff93ff4c298c4d044905068e8c036beea540e564a27a146a470f1405b52b0c");
  const from = 2475046340;
  const id = 1086995445;

  it("verifies, maps the key to the firmware's Edwards key, and is self-certified", () => {
    expect(Buffer.from(edwardsFromMontgomery(key)!).toString("hex")).toBe("01177d7ef81b09f924968f6d68136ea040f0fe99f970584bb10860c18f475637");
    const payload = message.subarray(12);
    expect(Buffer.from(signedMessage(from, id, PortNum.NODEINFO_APP, payload)).equals(Buffer.from(message))).toBe(true);
    expect(verifyXeddsa(key, message, signature)).toBe(true);
    expect(selfCertified({ from, id, portnum: PortNum.NODEINFO_APP, payload, signature, key })).toBe(true);
    const tampered = Uint8Array.from(signature);
    tampered[40]! ^= 1;
    expect(verifyXeddsa(key, message, tampered)).toBe(false);
  });
});
