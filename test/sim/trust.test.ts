// The simulated radio keeps the firmware's key trust (NodeDB::updateUser) and evicts like
// NodeDB::getOrCreateMeshNode.
import { describe, expect, it } from "vitest";
import { SimNodeDb } from "../../src/sim/nodedb.js";
import { pickEviction } from "../../src/sim/eviction.js";
import type { SimNode } from "../../src/sim/nodedb.js";
import { hex } from "./client.js";

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
    // A larger generated mesh raises the capacity to fit it.
    expect(new SimNodeDb({ seed: 8, count: 300, now: NOW }).capacity).toBe(301);
    expect(new SimNodeDb({ seed: 8, count: 30, now: NOW }).capacity).toBe(250);
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
