// The simulated radio keeps the firmware's key trust (NodeDB::updateUser) and evicts like
// NodeDB::getOrCreateMeshNode.
import { describe, expect, it } from "vitest";
import { SimNodeDb } from "../../src/sim/nodedb.js";
import { pickEviction } from "../../src/sim/eviction.js";
import type { SimNode } from "../../src/sim/nodedb.js";
import { decodeUser, wantConfig } from "../../src/protocol/messages.js";
import { hex } from "./client.js";
import { isPacketId, keyed, packetOf, payloadOf, simHarness } from "./harness.js";

const NOW = 1_780_000_000;

describe("key trust of the simulated NodeDB", () => {
  it("a re-flashed node broadcasts its new key; a received NodeInfo never replaces the stored one", () => {
    const db = new SimNodeDb({ seed: 5, count: 20, now: NOW });
    const node = db.list().find((n) => n.publicKey)!;
    const stored = hex(node.publicKey);
    const fresh = db.reflash(node.num);
    expect(hex(db.device(node.num)?.publicKey)).toBe(hex(fresh));
    expect(hex(db.get(node.num)?.publicKey)).toBe(stored);
    expect(db.receiveUser(node.num, db.device(node.num)!)).toBe("key_mismatch");
    expect(hex(db.get(node.num)?.publicKey)).toBe(stored);
    // Paths that really rewrite the entry: add_contact with the new key.
    db.addContact(node.num, { longName: node.longName, shortName: node.shortName, publicKey: fresh }, NOW);
    expect(hex(db.get(node.num)?.publicKey)).toBe(hex(fresh));
    expect(hex(db.device(node.num)?.publicKey)).toBe(hex(fresh));
  });

  it("in-NodeDB rotation changes the entry and what the device broadcasts alike", () => {
    const db = new SimNodeDb({ seed: 5, count: 20, now: NOW });
    const node = db.list().find((n) => n.publicKey)!;
    const rotated = db.rotateKey(node.num);
    expect(hex(db.get(node.num)?.publicKey)).toBe(hex(rotated));
    expect(hex(db.device(node.num)?.publicKey)).toBe(hex(rotated));
  });

  it("a NodeInfo carrying the radio's own key is refused; a keyless entry learns a key", () => {
    const db = new SimNodeDb({ seed: 6, count: 20, now: NOW });
    const keyless = db.list().find((n) => !n.publicKey)!;
    expect(db.receiveUser(keyless.num, { ...keyless, publicKey: db.own.publicKey })).toBe("own_key");
    expect(db.get(keyless.num)?.publicKey).toBeNull();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
    expect(db.receiveUser(keyless.num, { ...keyless, longName: "Renamed", publicKey: key })).toBe("stored");
    expect(db.get(keyless.num)).toMatchObject({ longName: "Renamed", publicKey: key });
  });

  it("an evicted node stays on the air; heard again, it gets an entry without a user until its NodeInfo", () => {
    const db = new SimNodeDb({ seed: 7, count: 20, now: NOW });
    const node = db.list().find((n) => n.publicKey)!;
    expect(db.evict(node.num)).toBe(true);
    expect(db.get(node.num)).toBeUndefined();
    expect(hex(db.device(node.num)?.publicKey)).toBe(hex(node.publicKey));
    db.heardFrom(node.num, NOW + 5);
    expect(db.get(node.num)).toMatchObject({ publicKey: null, longName: "", lastHeard: NOW + 5 });
    expect(db.receiveUser(node.num, db.device(node.num)!)).toBe("stored");
    expect(hex(db.get(node.num)?.publicKey)).toBe(hex(node.publicKey));
  });

  it("capacity: a full NodeDB gives up the oldest keyless node first, then the oldest unprotected one", () => {
    const db = new SimNodeDb({ seed: 8, count: 9, now: NOW, capacity: 10 });
    expect(db.capacity).toBe(10);
    const devices = db.addDevices(30);
    let t = NOW;
    for (const device of devices) {
      const before = db.list();
      const expected = pickEviction(before);
      db.heardFrom(device.num, ++t);
      db.receiveUser(device.num, db.device(device.num)!);
      expect(db.size).toBe(9);
      expect(db.get(expected!.num)).toBeUndefined();
    }
    expect(db.evictions).toBe(30);
    // 250 by default; a generated mesh that would not fit models a proxy: no limit.
    expect(new SimNodeDb({ seed: 8, count: 30, now: NOW }).capacity).toBe(250);
    expect(new SimNodeDb({ seed: 8, count: 300, now: NOW }).capacity).toBe(Number.POSITIVE_INFINITY);
    expect(() => new SimNodeDb({ seed: 8, count: 30, now: NOW, capacity: 30 })).toThrow(RangeError);
  });
});

describe("pickEviction", () => {
  const node = (num: number, lastHeard: number, extra: Partial<SimNode> = {}) =>
    ({ num, lastHeard, publicKey: new Uint8Array(32), isFavorite: false, isIgnored: false, verified: false, ...extra }) as SimNode;

  it("follows NodeDB::getOrCreateMeshNode", () => {
    expect(pickEviction([node(1, 10), node(2, 5), node(3, 50, { publicKey: null })])?.num).toBe(3);
    expect(pickEviction([node(1, 10), node(2, 5)])?.num).toBe(2);
    expect(pickEviction([node(1, 10), node(2, 5, { isFavorite: true }), node(4, 1, { verified: true })])?.num).toBe(1);
    expect(pickEviction([node(1, 1, { publicKey: null, isIgnored: true }), node(2, 5)])?.num).toBe(2);
    expect(pickEviction([node(2, 5, { isFavorite: true })])).toBeNull();
  });
});

describe("key trust over the simulated radio's TCP API", () => {
  const h = simHarness();

  it("a re-flashed node's NodeInfo reaches the client with the new key while the dump keeps the old one", async () => {
    const { radio, c } = await h.configured();
    const node = keyed(radio);
    const fresh = radio.reflashNode(node.num);
    const id = radio.deliverNodeInfo(node.num);
    const at = await c.waitFor(isPacketId(id));
    expect(hex(decodeUser(payloadOf(packetOf(c.frames[at]))).publicKey)).toBe(hex(fresh));
    expect(radio.stats.nodeInfoRefused).toBe(1);
    const mark = c.frames.length;
    c.send(wantConfig(69421));
    await c.waitComplete(69421);
    const dumped = c.frames.slice(mark).find((f) => f.payloadVariant.case === "nodeInfo" && f.payloadVariant.value.num === node.num);
    expect(dumped?.payloadVariant.case === "nodeInfo" && hex(dumped.payloadVariant.value.user?.publicKey)).toBe(hex(node.publicKey));
  });

  it("a NodeInfo with our own key: the packet still reaches the client, with one warning notification", async () => {
    const { radio, c } = await h.configured();
    const node = keyed(radio);
    const first = radio.deliverNodeInfo(node.num, radio.ownNode.publicKey!);
    const second = radio.deliverNodeInfo(node.num, radio.ownNode.publicKey!);
    await c.waitFor(isPacketId(first));
    await c.waitFor(isPacketId(second));
    const warnings = c.frames.filter((f) => f.payloadVariant.case === "clientNotification");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.payloadVariant.value).toMatchObject({ message: expect.stringContaining("advertised your public key") as unknown });
    expect(hex(radio.nodes.get(node.num)?.publicKey)).toBe(hex(node.publicKey));
  });
});
