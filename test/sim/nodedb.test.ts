// The generated NodeDB: deterministic per seed, with keyless nodes and keys that contain the
// frame magic, so clients meet both in every test run.
import { describe, expect, it } from "vitest";
import { SimNodeDb } from "../../src/sim/nodedb.js";
import { hex } from "./client.js";

const NOW = 1_780_000_000;

function fingerprint(db: SimNodeDb): string[] {
  return db.list().map((n) => `${n.num}:${n.longName}:${hex(n.publicKey)}:${n.lastHeard}`);
}

describe("SimNodeDb", () => {
  it("is the same mesh for the same seed and a different one for another seed", () => {
    const a = new SimNodeDb({ seed: 42, count: 50, now: NOW });
    const b = new SimNodeDb({ seed: 42, count: 50, now: NOW });
    const c = new SimNodeDb({ seed: 43, count: 50, now: NOW });
    expect(fingerprint(a)).toEqual(fingerprint(b));
    expect(a.own.num).toBe(b.own.num);
    expect(hex(a.ownPrivateKey)).toBe(hex(b.ownPrivateKey));
    expect(fingerprint(a)).not.toEqual(fingerprint(c));
  });

  it.each([1, 2, 3, 99])("seed %i: unique numbers, about 10%% keyless, several keys holding 0x94 0xC3", (seed) => {
    const db = new SimNodeDb({ seed, count: 200, now: NOW });
    const nodes = db.list();
    expect(nodes).toHaveLength(200);
    expect(new Set([db.own.num, ...nodes.map((n) => n.num)]).size).toBe(201);
    for (const n of nodes) expect(n.num).toBeGreaterThan(15);
    const keyless = nodes.filter((n) => n.publicKey === null).length;
    expect(keyless).toBeGreaterThanOrEqual(8);
    expect(keyless).toBeLessThanOrEqual(40);
    for (const n of nodes) if (n.publicKey) expect(n.publicKey).toHaveLength(32);
    const magic = nodes.filter((n) => /^(..)*94c3/.test(hex(n.publicKey))).length;
    expect(magic).toBeGreaterThanOrEqual(3);
    for (const n of nodes) expect(n.lastHeard).toBeLessThanOrEqual(NOW);
  });

  it("guarantees magic keys and a keyless node from 20 nodes on", () => {
    for (let seed = 0; seed < 30; seed++) {
      const nodes = new SimNodeDb({ seed, count: 20, now: NOW }).list();
      expect(nodes.filter((n) => /^(..)*94c3/.test(hex(n.publicKey))).length).toBeGreaterThanOrEqual(3);
      expect(nodes.some((n) => n.publicKey === null)).toBe(true);
    }
  });

  it("refuses controls on nodes it does not know", () => {
    const db = new SimNodeDb({ seed: 1, count: 5, now: NOW });
    expect(() => db.rotateKey(12345)).toThrow(/no node !00003039/);
  });
});
