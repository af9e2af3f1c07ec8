// Channel encryption of the mesh as the firmware does it (CryptoEngine.cpp, Channels.cpp;
// FIRMWARE.md "The mesh's MQTT uplink"). Pure, over node:crypto: no extra dependency.
import { createDecipheriv } from "node:crypto";

/** The firmware's default channel key (Channels.h defaultpsk); a 1-byte PSK n is it with its last byte + (n-1). */
const DEFAULT_KEY = Buffer.from("d4f1bb3a20290759f0bcffabcf4e6901", "hex");

/**
 * The AES key a configured PSK stands for; an empty key means "no encryption" (a 0-length
 * PSK, or the 1-byte PSK 0). Throws on a length the firmware would not take (config checks
 * it first, naming the field).
 */
export function expandPsk(psk: Uint8Array): Uint8Array {
  if (psk.length === 16 || psk.length === 32) return psk;
  if (psk.length === 0) return new Uint8Array(0);
  if (psk.length !== 1) throw new RangeError(`a channel PSK has 0, 1, 16 or 32 bytes, not ${psk.length}`);
  const index = psk[0] ?? 0;
  if (index === 0) return new Uint8Array(0);
  const key = Uint8Array.from(DEFAULT_KEY);
  key[15] = ((key[15] ?? 0) + index - 1) & 0xff;
  return key;
}

function xorBytes(bytes: Uint8Array): number {
  let h = 0;
  for (const b of bytes) h ^= b;
  return h;
}

/** The one-byte channel hash a packet carries (Channels::generateHash): XOR of the name's bytes XOR the key's. */
export function channelHash(name: string, key: Uint8Array): number {
  return xorBytes(Buffer.from(name, "utf8")) ^ xorBytes(key);
}

/** The 16-byte CTR nonce: packet id (u64 LE), sender (u32 LE), 4 zero bytes (CryptoEngine::initNonce). */
export function packetNonce(packetId: number, from: number): Buffer {
  const nonce = Buffer.alloc(16);
  nonce.writeUInt32LE(packetId >>> 0, 0);
  nonce.writeUInt32LE(from >>> 0, 8);
  return nonce;
}

/**
 * AES-CTR with the channel key: encryption and decryption are the same operation. A wrong
 * key yields garbage of the same length, never an error: whoever reads the result must
 * check that it parses. An empty key passes the bytes through, as the firmware does.
 */
export function channelCrypt(key: Uint8Array, packetId: number, from: number, bytes: Uint8Array): Uint8Array {
  if (key.length === 0) return bytes;
  const algorithm = key.length === 32 ? "aes-256-ctr" : "aes-128-ctr";
  const decipher = createDecipheriv(algorithm, key, packetNonce(packetId, from));
  return Buffer.concat([decipher.update(bytes), decipher.final()]);
}
