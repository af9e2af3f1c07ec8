// AdminMessage.add_contact in the simulated radio, as the firmware applies it
// (NodeDB::addFromContact): overwrite, favourite, manually_verified, refusal over a verified
// key; and on the wire: one routing ACK whatever was stored, the flags in the NodeDB dump.
import { describe, expect, it } from "vitest";
import { DeviceRole, NONCE_ONLY_NODES, RoutingError, addContactPacket, wantConfig } from "../../src/protocol/messages.js";
import { userOf } from "../../src/sim/encode.js";
import { SimNodeDb } from "../../src/sim/nodedb.js";
import { hex, type TestClient } from "./client.js";
import { keyed, routingAnswer, simHarness } from "./harness.js";

const NOW = 1_780_000_000;
const KEY_A = new Uint8Array(32).fill(0xa1);
const KEY_B = new Uint8Array(32).fill(0xb2);
const user = (publicKey: Uint8Array, longName = "Pushed") => ({ longName, shortName: "PU", publicKey });

function db(count = 20): { db: SimNodeDb; num: number; deviceKey: Uint8Array } {
  const d = new SimNodeDb({ seed: 9, count, now: NOW });
  const node = d.list().find((n) => n.publicKey && !n.isFavorite)!;
  return { db: d, num: node.num, deviceKey: Uint8Array.from(node.publicKey!) };
}

describe("SimNodeDb.addContact (NodeDB::addFromContact)", () => {
  it("overwrites the user and key and marks the node favourite; the device keeps broadcasting its own key", () => {
    const { db: d, num, deviceKey } = db();
    expect(d.addContact(num, { ...user(KEY_A), hwModel: 43 }, NOW)).toBe("stored");
    const entry = d.get(num)!;
    expect({ long: entry.longName, key: hex(entry.publicKey), favourite: entry.isFavorite, verified: entry.verified, hw: entry.hwModel }).toEqual({
      long: "Pushed",
      key: hex(KEY_A),
      favourite: true,
      verified: false,
      hw: 43,
    });
    expect(hex(d.device(num)!.publicKey)).toBe(hex(deviceKey));
    // The User is copied whole: a contact without hw_model leaves UNSET.
    d.addContact(num, user(KEY_A), NOW);
    expect(d.get(num)!.hwModel).toBe(0);
  });

  it("copies role, is_licensed and is_unmessagable (its absence too), and the next dump shows them", () => {
    const { db: d, num } = db();
    d.addContact(num, { ...user(KEY_A), hwModel: 9, role: DeviceRole.ROUTER, isLicensed: true, isUnmessagable: true }, NOW);
    const entry = d.get(num)!;
    expect({ hw: entry.hwModel, role: entry.role, licensed: entry.isLicensed, unmessagable: entry.isUnmessagable }).toEqual({ hw: 9, role: DeviceRole.ROUTER, licensed: true, unmessagable: true });
    expect(userOf(entry)).toMatchObject({ hwModel: 9, role: DeviceRole.ROUTER, isLicensed: true, isUnmessagable: true });
    d.addContact(num, user(KEY_A), NOW);
    expect({ role: entry.role, licensed: entry.isLicensed, unmessagable: entry.isUnmessagable }).toEqual({ role: DeviceRole.CLIENT, licensed: false, unmessagable: null });
    expect(userOf(entry)).not.toHaveProperty("isUnmessagable");
  });

  it("manually_verified marks the key verified; then only a contact marked verified too replaces it", () => {
    const { db: d, num } = db();
    expect(d.addContact(num, user(KEY_A), NOW, { manuallyVerified: true })).toBe("stored");
    expect(d.get(num)!.verified).toBe(true);
    // Refused over the verified key: nothing at all changes.
    expect(d.addContact(num, user(KEY_B, "Impostor"), NOW)).toBe("verified_kept");
    expect({ key: hex(d.get(num)!.publicKey), name: d.get(num)!.longName }).toEqual({ key: hex(KEY_A), name: "Pushed" });
    // The same key without the mark: taken, and the mark stays.
    expect(d.addContact(num, user(KEY_A, "Renamed"), NOW)).toBe("stored");
    expect({ name: d.get(num)!.longName, verified: d.get(num)!.verified }).toEqual({ name: "Renamed", verified: true });
    expect(d.addContact(num, user(KEY_B), NOW, { manuallyVerified: true })).toBe("stored");
    expect(hex(d.get(num)!.publicKey)).toBe(hex(KEY_B));
  });

  it("an empty key clears the stored one", () => {
    const { db: d, num } = db();
    expect(d.addContact(num, user(new Uint8Array(0)), NOW)).toBe("stored");
    expect(d.get(num)!.publicKey).toBeNull();
  });

  it("an unknown node gets a zeroed entry (last_heard 0), favourite; none when every entry is protected", () => {
    const { db: d } = db(3);
    expect(d.addContact(0x12345678, user(KEY_A), NOW)).toBe("stored");
    expect(d.get(0x12345678)).toMatchObject({ longName: "Pushed", lastHeard: 0, isFavorite: true, position: null });
    const full = new SimNodeDb({ seed: 9, count: 3, now: NOW, capacity: 4 });
    for (const n of full.list()) full.addContact(n.num, user(n.publicKey ?? KEY_B), NOW);
    expect(full.addContact(0x12345678, user(KEY_A), NOW)).toBe("no_room");
    expect(full.get(0x12345678)).toBeUndefined();
  });

  it("should_ignore: ignored, not favourite, key cleared (2.7); a contact without a user leaves a bare entry", () => {
    const { db: d, num } = db();
    expect(d.addContact(num, user(KEY_A), NOW, { shouldIgnore: true })).toBe("stored");
    expect(d.get(num)).toMatchObject({ isIgnored: true, isFavorite: false, publicKey: null });
    expect(d.addContact(0x0badcafe, null, NOW)).toBe("no_user");
    expect(d.get(0x0badcafe)).toMatchObject({ publicKey: null, longName: "", isFavorite: false });
  });

  it("on a CLIENT_BASE radio: last_heard is stamped instead of the favourite mark", () => {
    const { db: d, num } = db();
    d.own.role = DeviceRole.CLIENT_BASE;
    d.addContact(num, user(KEY_A), NOW + 5);
    expect(d.get(num)).toMatchObject({ isFavorite: false, lastHeard: NOW + 5 });
  });
});

describe("add_contact on the wire", () => {
  const sim = simHarness();

  async function dumped(c: TestClient, num: number) {
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const end = await c.waitComplete(NONCE_ONLY_NODES, from);
    const info = c.frames.slice(from, end).find((f) => f.payloadVariant.case === "nodeInfo" && f.payloadVariant.value.num === num);
    return info?.payloadVariant.case === "nodeInfo" ? info.payloadVariant.value : undefined;
  }

  it("is ACKed by our own radio whatever it stored; the dump reports the key, is_favorite and is_key_manually_verified", async () => {
    const { radio, c } = await sim.configured();
    const node = keyed(radio);
    const own = radio.ownNode.num;
    const contact = (publicKey: Uint8Array, manuallyVerified: boolean) => ({ num: node.num, longName: node.longName, shortName: node.shortName, publicKey, manuallyVerified });
    expect(await routingAnswer(c, addContactPacket(own, 3001, contact(KEY_A, true)), 3001)).toEqual([RoutingError.NONE, own]);
    const first = await dumped(c, node.num);
    expect({ favourite: first?.isFavorite, verified: first?.isKeyManuallyVerified, key: hex(first?.user?.publicKey) }).toEqual({ favourite: true, verified: true, key: hex(KEY_A) });
    // Over the verified key without the mark: still one ACK, and the radio keeps its key.
    expect(await routingAnswer(c, addContactPacket(own, 3002, contact(KEY_B, false)), 3002)).toEqual([RoutingError.NONE, own]);
    const after = await dumped(c, node.num);
    expect(hex(after?.user?.publicKey)).toBe(hex(KEY_A));
    expect(after?.isKeyManuallyVerified).toBe(true);
  });
});
