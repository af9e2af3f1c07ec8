// decode.ts against envelopes a gateway would publish (built by the test publisher with
// node:crypto), and against everything a broker can carry besides.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { encodeServiceEnvelope } from "../../src/protocol/envelope.js";
import { encodeUser } from "../../src/protocol/messages.js";
import { ChannelKeys } from "../../src/uplink/channels.js";
import { MAX_ENVELOPE_BYTES, readEnvelope, type EnvelopeOutcome } from "../../src/uplink/decode.js";
import { encrypt, garbageEnvelope, hashOf, LONG_FAST, nodeInfoEnvelope, pkiEnvelope, textEnvelope, type Channel } from "../helpers/uplink-publisher.js";

const FRIENDS: Channel = { name: "Friends", psk: Buffer.alloc(16, 0x42).toString("base64") };
const WIDE: Channel = { name: "Wide", psk: Buffer.alloc(32, 0x17).toString("base64") };
const channels = new ChannelKeys({ [FRIENDS.name]: FRIENDS.psk, [WIDE.name]: WIDE.psk });
const KEY = randomBytes(32);

function read(m: { topic: string; payload: Uint8Array }): EnvelopeOutcome {
  return readEnvelope(m.topic, m.payload, channels);
}

describe("reading envelopes", () => {
  it("takes the key, names and sender of a default-key LongFast NodeInfo, with the gateway from the topic", () => {
    const out = read(nodeInfoEnvelope({ from: 0x1234abcd, key: KEY, longName: "Hilltop", shortName: "HT", id: 77, gateway: "!0badc0de" }));
    expect(out).toEqual({ kind: "claim", decrypted: true, claim: { num: 0x1234abcd, packetId: 77, gateway: "!0badc0de", longName: "Hilltop", shortName: "HT", key: KEY } });
  });

  it("decrypts custom AES-128 and AES-256 channels, and a key carried in MeshPacket.public_key", () => {
    for (const channel of [FRIENDS, WIDE]) {
      const out = read(nodeInfoEnvelope({ from: 5, key: KEY, channel }));
      expect(out.kind === "claim" && Buffer.from(out.claim.key).equals(KEY), channel.name).toBe(true);
    }
    const inPacket = read(nodeInfoEnvelope({ from: 6, key: KEY, keyInPacket: true }));
    expect(inPacket.kind === "claim" && Buffer.from(inPacket.claim.key).equals(KEY)).toBe(true);
  });

  it("skips PKI DMs and packets without a key", () => {
    expect(read(pkiEnvelope(5, 6))).toEqual({ kind: "skipped", reason: "pki", decrypted: false });
    expect(read(textEnvelope(5, "hello"))).toEqual({ kind: "skipped", reason: "no_key", decrypted: true });
    expect(read(nodeInfoEnvelope({ from: 7, key: new Uint8Array(0) }))).toEqual({ kind: "skipped", reason: "no_key", decrypted: true });
  });

  it("refuses garbage, foreign topics, oversize envelopes and unknown channels", () => {
    for (let seed = 1; seed < 50; seed++) expect(read(garbageEnvelope(seed))).toEqual({ kind: "refused", reason: "malformed" });
    expect(read({ ...nodeInfoEnvelope({ from: 5, key: KEY }), topic: "msh/EU_868/2/map/" })).toEqual({ kind: "refused", reason: "topic" });
    expect(read({ topic: "msh/2/e/LongFast/!a1b2c3d4", payload: new Uint8Array(MAX_ENVELOPE_BYTES + 1) })).toEqual({ kind: "refused", reason: "oversize" });
    const secret: Channel = { name: "Secret", psk: Buffer.alloc(16, 9).toString("base64") };
    expect(read(nodeInfoEnvelope({ from: 5, key: KEY, channel: secret }))).toEqual({ kind: "refused", reason: "unknown_channel" });
  });

  it("refuses an oversize packet payload inside a small-enough envelope", () => {
    const payload = encodeServiceEnvelope({ packet: { from: 5, id: 1, channel: 8, payloadVariant: { case: "encrypted", value: new Uint8Array(600) } }, channelId: "LongFast", gatewayId: "!a1b2c3d4" });
    expect(read({ topic: "msh/2/e/LongFast/!a1b2c3d4", payload })).toEqual({ kind: "refused", reason: "oversize" });
  });

  it("counts a wrong key (right hash, other key) as undecryptable, never as a claim", () => {
    // Uniform 16-byte keys all hash like Friends (their bytes XOR to 0), so each of these
    // is tried with Friends' key; the forged ones carry Friends' hash outright.
    let undecryptable = 0;
    for (let id = 1; id <= 200; id++) {
      const other: Channel = { name: "Friends", psk: Buffer.alloc(16, id).toString("base64") };
      const good = nodeInfoEnvelope({ from: 9, key: KEY, channel: other, id });
      const forged = encodeServiceEnvelope({
        packet: { from: 9, id, channel: hashOf(FRIENDS), payloadVariant: { case: "encrypted", value: encrypt(other, id, 9, Buffer.from("\x08\x04\x12\x10not a user at all")) } },
        channelId: "Friends",
        gatewayId: "!a1b2c3d4",
      });
      for (const m of [good, { topic: good.topic, payload: forged }]) {
        const out = read(m);
        if (other.psk === FRIENDS.psk) continue;
        expect(out.kind, `id ${id}`).not.toBe("claim");
        if (out.kind === "refused" && out.reason === "undecryptable") undecryptable++;
      }
    }
    expect(undecryptable).toBeGreaterThan(300);
  });

  it("refuses a NodeInfo whose User speaks for another node", () => {
    const m = nodeInfoEnvelope({ from: 0x11111111, key: KEY });
    // Re-sent as if from another sender: the User inside still names !11111111.
    const out = readEnvelope(m.topic, m.payload, channels);
    expect(out.kind).toBe("claim");
    const plain = encodeServiceEnvelope({
      packet: { from: 0x22222222, id: 3, channel: hashOf(LONG_FAST), payloadVariant: { case: "decoded", value: { portnum: 4, payload: encodeUser({ id: "!11111111", longName: "x", shortName: "x", publicKey: KEY }) } } },
      channelId: "LongFast",
      gatewayId: "!a1b2c3d4",
    });
    expect(readEnvelope(m.topic, plain, channels)).toEqual({ kind: "refused", reason: "malformed" });
  });
});
