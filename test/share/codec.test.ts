import { describe, expect, it } from "vitest";
import { encodeSharedKey, isTrusted, parseSharedKey, shareTopic } from "../../src/share/codec.js";

const ROOT = "meshtastic-keysync/directory";
const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const key = { id: "!a76f40da", num: 0xa76f40da, publicKey: KEY, longName: "Alpha", shortName: "AL", learnedAt: 1_800_000_000 };

describe("shared key codec", () => {
  it("round-trips what we publish, gateway names with slashes included", () => {
    const topic = shareTopic(ROOT, "home/attic", key.id);
    const parsed = parseSharedKey(topic, ROOT, Buffer.from(encodeSharedKey("home/attic", key, "abcd")));
    expect(parsed).toEqual({ ok: true, message: { gateway: "home/attic", key } });
  });

  it("an empty payload (a cleared topic) is nothing to merge", () => {
    expect(parseSharedKey(shareTopic(ROOT, "gw", key.id), ROOT, Buffer.alloc(0))).toEqual({ ok: true, message: null });
  });

  it.each([
    ["a key of 31 bytes", JSON.stringify({ public_key: Buffer.alloc(31, 1).toString("base64") })],
    ["a key of 33 bytes", JSON.stringify({ public_key: Buffer.alloc(33, 1).toString("base64") })],
    ["an all-zero key", JSON.stringify({ public_key: Buffer.alloc(32).toString("base64") })],
    ["not base64", JSON.stringify({ public_key: "!!!!" })],
    ["not JSON", "{nope"],
    ["a JSON number", "42"],
    ["an id that is not the topic's", JSON.stringify({ id: "!00000001", public_key: Buffer.from(KEY).toString("base64") })],
    ["a huge payload", JSON.stringify({ public_key: Buffer.from(KEY).toString("base64"), long_name: "x".repeat(5000) })],
  ])("refuses %s", (_what, payload) => {
    expect(parseSharedKey(shareTopic(ROOT, "gw", key.id), ROOT, Buffer.from(payload)).ok).toBe(false);
  });

  it("refuses topics that are not <topic>/<gateway>/<node id>", () => {
    const payload = Buffer.from(encodeSharedKey("gw", key, "abcd"));
    expect(parseSharedKey(`${ROOT}/${key.id}`, ROOT, payload).ok).toBe(false);
    expect(parseSharedKey(`${ROOT}/gw/not-a-node`, ROOT, payload).ok).toBe(false);
    expect(parseSharedKey(`other/gw/${key.id}`, ROOT, payload).ok).toBe(false);
  });

  it("trusts listed gateways, or all with *", () => {
    expect(isTrusted("cabin", ["*"])).toBe(true);
    expect(isTrusted("cabin", ["home", "cabin"])).toBe(true);
    expect(isTrusted("rogue", ["home", "cabin"])).toBe(false);
  });
});
