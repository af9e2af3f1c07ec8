import { crc32 as zlibCrc32 } from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/directory/crc32.js";
import {
  computeStatuses,
  isRenumbering,
  loadLowEntropyHashes,
  nodeStatus,
  parseHashList,
  statusEvents,
} from "../../src/directory/health.js";
import { hashOf, key, record as node } from "../directory/util.js";

const none = new Set<string>();

describe("crc32", () => {
  it("matches the IEEE check value and zlib", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array())).toBe(0);
    for (const seed of [1, 2, 99]) expect(crc32(key(seed))).toBe(zlibCrc32(key(seed)));
  });
});

describe("low-entropy list", () => {
  it("loads the firmware's 24 hashes from assets/", () => {
    const hashes = loadLowEntropyHashes();
    expect(hashes.size).toBe(24);
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("refuses a line that is not a digest", () => {
    expect(() => parseHashList("# comment\n\nnot-a-hash\n")).toThrow(/line 3/);
  });
});

describe("nodeStatus", () => {
  it("is missing without a key, ok with one, changed when flagged", () => {
    expect(nodeStatus(node(1, null), [], none)).toBe("missing");
    const a = node(1, key(1));
    expect(nodeStatus(a, [a], none)).toBe("ok");
    const c = node(1, key(1), { changed: true });
    expect(nodeStatus(c, [c], none)).toBe("changed");
  });

  it("is weak when the key's SHA-256 is listed, before duplicate and changed", () => {
    const weak = new Set([hashOf(key(5))]);
    const a = node(1, key(5), { changed: true });
    const b = node(2, key(5));
    expect(nodeStatus(a, [a, b], weak)).toBe("weak");
  });

  it("is duplicate when another number holds the same key", () => {
    const a = node(1, key(1), { changed: true });
    const b = node(2, key(1));
    expect(nodeStatus(a, [a, b], none)).toBe("duplicate");
    expect(nodeStatus(b, [a, b], none)).toBe("duplicate");
  });

  it("treats a 2.8 renumbering to crc32(key) as no duplicate while the old number stays silent", () => {
    const k = key(7);
    const renumbered = node(crc32(k), k, { firstSeen: 5000, lastSeen: 6000 });
    const old = node(0x1234, k, { firstSeen: 100, lastSeen: 4000 });
    expect(isRenumbering(renumbered, old)).toBe(true);
    expect(isRenumbering(old, renumbered)).toBe(true);
    expect(nodeStatus(renumbered, [renumbered, old], none)).toBe("ok");
    expect(nodeStatus(old, [renumbered, old], none)).toBe("ok");
  });

  it("is duplicate when the old number is heard after the renumbered one appeared", () => {
    const k = key(7);
    const renumbered = node(crc32(k), k, { firstSeen: 5000, lastSeen: 6000 });
    const old = node(0x1234, k, { firstSeen: 100, lastSeen: 5001 });
    expect(nodeStatus(renumbered, [renumbered, old], none)).toBe("duplicate");
    expect(nodeStatus(old, [renumbered, old], none)).toBe("duplicate");
  });

  it("is duplicate when neither number is crc32(key)", () => {
    const a = node(0x10, key(7), { lastSeen: 1 });
    const b = node(0x20, key(7), { firstSeen: 9000 });
    expect(isRenumbering(a, b)).toBe(false);
    expect(nodeStatus(a, [a, b], none)).toBe("duplicate");
  });

  it("computeStatuses agrees for a whole set", () => {
    const nodes = [node(1, key(1)), node(2, key(1)), node(3, null), node(4, key(4), { changed: true })];
    expect(Object.fromEntries(computeStatuses(nodes, none))).toEqual({
      1: "duplicate",
      2: "duplicate",
      3: "missing",
      4: "changed",
    });
  });
});

describe("statusEvents", () => {
  it("raises weak_key and duplicate_key only when a node enters the status", () => {
    const a = node(2, key(1));
    const b = node(1, key(1));
    expect(statusEvents(a, "ok", "duplicate", [a, b])).toEqual([
      { type: "duplicate_key", data: { id: a.id, fingerprint: a.fingerprint, ids: [b.id, a.id] } },
    ]);
    expect(statusEvents(a, "duplicate", "duplicate", [a, b])).toEqual([]);
    expect(statusEvents(a, null, "weak", [a])).toEqual([
      { type: "weak_key", data: { id: a.id, fingerprint: a.fingerprint } },
    ]);
    expect(statusEvents(a, "weak", "ok", [a])).toEqual([]);
    expect(statusEvents(a, "ok", "changed", [a])).toEqual([]);
  });
});
