import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/directory/crc32.js";
import type { KeyEvent } from "../../src/directory/events.js";
import { identityKey, numberedByKey, replacedBy, type IdentityFacts } from "../../src/directory/identity.js";
import { KeyDirectory } from "../../src/directory/keys.js";
import { nodeId } from "../../src/node-id.js";
import { dump, ingestDump, key, remote } from "./util.js";

const HW = 0x2b | (1 << 12);

function node(over: Partial<IdentityFacts> = {}): IdentityFacts {
  const key = over.key === undefined ? new Uint8Array(randomBytes(32)) : over.key;
  return {
    num: key ? crc32(key) : 0x1234,
    longName: "Garden relay",
    shortName: "GRD",
    traits: HW,
    key,
    firstSeen: 1_000,
    lastSeen: 1_000,
    notes: { replacedBy: null },
    signed: false,
    ...over,
  };
}

describe("identity: a 2.8 re-flash linked to the node it replaced", () => {
  const old = node({ num: 0x0a1b2c3d, firstSeen: 100, lastSeen: 900 });

  it("links one silent node with the same user to a self-numbered new node, with the evidence", () => {
    const fresh = node({ firstSeen: 1_000, signed: true });
    const link = replacedBy(fresh, [old]);
    expect(link).toEqual({
      oldNum: 0x0a1b2c3d,
      newNum: fresh.num,
      evidence: { long_name: "Garden relay", short_name: "GRD", same_hardware: true, numbered_by_key: true, signed: true, old_last_heard: 900, new_first_seen: 1_000 },
    });
  });

  it("does not link when the old node was heard after the new one appeared (two live devices)", () => {
    expect(replacedBy(node({ firstSeen: 800 }), [old])).toBeNull();
  });

  it("does not link a new node whose number is not crc32 of its key (2.7: a re-flash keeps the number)", () => {
    const fresh = node({ num: 0x55667788 });
    expect(numberedByKey(fresh)).toBe(false);
    expect(replacedBy(fresh, [old])).toBeNull();
  });

  it("does not link on names alone: other hardware or role, or unknown traits", () => {
    expect(replacedBy(node({ traits: HW + 1 }), [old])).toBeNull();
    expect(replacedBy(node({ traits: 0 }), [{ ...old, traits: 0 }])).toBeNull();
    expect(replacedBy(node({ shortName: "GR2" }), [old])).toBeNull();
  });

  it("links none when two silent nodes match (ambiguous)", () => {
    expect(replacedBy(node(), [old, { ...old, num: 0x0a1b2c3e }])).toBeNull();
  });

  it("skips nodes already replaced, without a key, with the same key (renumbering) or itself", () => {
    const fresh = node();
    expect(replacedBy(fresh, [{ ...old, notes: { replacedBy: 7 } }])).toBeNull();
    expect(replacedBy(fresh, [{ ...old, key: null }])).toBeNull();
    expect(replacedBy(fresh, [{ ...old, key: fresh.key }])).toBeNull();
    expect(replacedBy(fresh, [fresh])).toBeNull();
    // and with those skipped, a single real candidate still links
    expect(replacedBy(fresh, [{ ...old, notes: { replacedBy: 7 } }, fresh, old])?.oldNum).toBe(old.num);
  });

  it("gives no index key to nodes without names or traits", () => {
    expect(identityKey({ longName: "", shortName: "A", traits: HW })).toBeNull();
    expect(identityKey({ longName: "A", shortName: "A", traits: 0 })).toBeNull();
    expect(identityKey(old)).toBe(identityKey(node()));
  });
});

describe("KeyDirectory: identity_replaced from NodeDB dumps", () => {
  const user = { longName: "Garden relay", shortName: "GRD", traits: HW };

  it("marks the old node even when the same dump no longer lists it (a full NodeDB evicted it for the new identity)", () => {
    const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
    const events: KeyEvent[] = [];
    directory.on("event", (e) => events.push(e));
    ingestDump(directory, dump(null, [remote(0x0a1b2c3d, key(1), { ...user, lastHeard: 1_700_000_000 })]), "alert");
    const fresh = new Uint8Array(randomBytes(32));
    const num = crc32(fresh);
    // The new identity is in the dump; the old entry is gone from it.
    ingestDump(directory, dump(null, [remote(num, fresh, { ...user, lastHeard: 1_799_999_000 })]), "alert");
    expect(events.filter((e) => e.type === "identity_replaced")).toHaveLength(1);
    expect(directory.view(0x0a1b2c3d)).toMatchObject({ in_radio: false, replaced_by: nodeId(num) });
    expect(directory.shareable(0x0a1b2c3d, ["*"])).toHaveProperty("refused");
  });
});
