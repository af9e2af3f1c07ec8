// Channel crypto against vectors built independently with node:crypto from FIRMWARE.md's
// rules (test/helpers/uplink-publisher.ts), and the one public fact every Meshtastic user
// can check: the default LongFast channel's hash is 8.
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { channelCrypt, channelHash, expandPsk, packetNonce } from "../../src/uplink/crypto.js";
import { ChannelKeys } from "../../src/uplink/channels.js";

const DEFAULT = Buffer.from("d4f1bb3a20290759f0bcffabcf4e6901", "hex");

describe("PSK expansion", () => {
  it("turns the 1-byte PSK n into the default key with its last byte + (n-1)", () => {
    expect(Buffer.from(expandPsk(Buffer.from("AQ==", "base64")))).toEqual(DEFAULT);
    const two = Buffer.from(expandPsk(Uint8Array.of(2)));
    expect(two.subarray(0, 15)).toEqual(DEFAULT.subarray(0, 15));
    expect(two[15]).toBe(0x02);
    expect(expandPsk(Uint8Array.of(10))[15]).toBe((0x01 + 9) & 0xff);
  });

  it("means no encryption for an empty PSK and the 1-byte PSK 0; passes 16 and 32 bytes through", () => {
    expect(expandPsk(new Uint8Array(0))).toHaveLength(0);
    expect(expandPsk(Uint8Array.of(0))).toHaveLength(0);
    const k16 = randomBytes(16);
    const k32 = randomBytes(32);
    expect(expandPsk(k16)).toBe(k16);
    expect(expandPsk(k32)).toBe(k32);
    expect(() => expandPsk(new Uint8Array(5))).toThrow(RangeError);
  });
});

describe("channel hash", () => {
  it("is 8 for LongFast with the default key, as every Meshtastic client shows", () => {
    expect(channelHash("LongFast", DEFAULT)).toBe(8);
  });

  it("XORs the name's bytes with the key's", () => {
    const key = Buffer.alloc(16);
    key[3] = 0x5a;
    expect(channelHash("AB", key)).toBe(0x41 ^ 0x42 ^ 0x5a);
  });
});

describe("AES-CTR with the packet nonce", () => {
  it("lays the nonce out as id u64 LE, from u32 LE, 4 zero bytes", () => {
    expect(packetNonce(0x11223344, 0xa1b2c3d4).toString("hex")).toBe("44332211" + "00000000" + "d4c3b2a1" + "00000000");
  });

  for (const size of [16, 32]) {
    it(`decrypts what AES-${size * 8}-CTR encrypted with that nonce`, () => {
      const key = randomBytes(size);
      const plain = randomBytes(77);
      const nonce = Buffer.alloc(16);
      nonce.writeUInt32LE(0xdeadbeef, 0);
      nonce.writeUInt32LE(0x12345678, 8);
      const cipher = createCipheriv(`aes-${size * 8}-ctr`, key, nonce);
      const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
      expect(Buffer.from(channelCrypt(key, 0xdeadbeef, 0x12345678, encrypted))).toEqual(plain);
      // Another sender or packet id: another key stream.
      expect(Buffer.from(channelCrypt(key, 0xdeadbeef, 0x12345679, encrypted))).not.toEqual(plain);
    });
  }

  it("passes bytes through for an unencrypted channel", () => {
    const plain = randomBytes(10);
    expect(channelCrypt(new Uint8Array(0), 1, 2, plain)).toBe(plain);
  });
});

describe("channel keys", () => {
  it("knows LongFast without config and picks keys by name and hash, a bounded few", () => {
    const keys = new ChannelKeys({ Friends: Buffer.alloc(16, 3).toString("base64") });
    expect(keys.names).toEqual(["LongFast", "Friends"]);
    expect(keys.candidates("LongFast", 8).map((c) => c.name)).toEqual(["LongFast"]);
    // The topic names no channel we know, the hash does: the key is found by its hash.
    expect(keys.candidates("Renamed", 8).map((c) => c.name)).toEqual(["LongFast"]);
    // The name matches but the hash does not: not that key.
    expect(keys.candidates("LongFast", 9)).toEqual([]);
    // Five unencrypted channels whose names XOR to the same hash: at most MAX_TRIES are tried.
    const many = new ChannelKeys(Object.fromEntries(["a", "abb", "acc", "add", "aee"].map((n) => [n, ""])));
    expect(many.candidates("zz", 0x61).map((c) => c.name)).toEqual(["a", "abb", "acc"]);
    expect(many.candidates("add", 0x61).map((c) => c.name)).toEqual(["add", "a", "abb"]);
  });
});
