import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../../src/directory/record.js";
import { mergeObservations, type DirectorySnapshot, type MergeResult } from "../../src/directory/merge.js";
import type { KeyPolicy } from "../../src/directory/record.js";
import type { KeySeen, NodeDbDump, RemoteNode } from "../../src/radio/link.js";
import { observeShared } from "../../src/bridge/share.js";
import { observeDump, observeKeySeen } from "../../src/sync/observe.js";
import { dump, key, remote } from "../directory/util.js";

// Each source's own translation into observations, then the one merge.
const mergeDump = (snapshot: DirectorySnapshot, d: NodeDbDump, policy: KeyPolicy, now: number): MergeResult & { ownNodeOnly: boolean } => {
  const observations = observeDump(d);
  return { ...mergeObservations(snapshot, observations ?? [], "nodedb", policy, now), ownNodeOnly: observations === null };
};
const mergeKeySeen = (snapshot: DirectorySnapshot, seen: KeySeen, policy: KeyPolicy, now: number) =>
  mergeObservations(snapshot, [observeKeySeen(seen)], "packet", policy, now);
const mergeGateway = (snapshot: DirectorySnapshot, gateway: string, nodes: RemoteNode[], policy: KeyPolicy, now: number) =>
  mergeObservations(snapshot, nodes.map((n) => observeShared({ ...n, publicKey: n.publicKey as Uint8Array, learnedAt: 0 })), `gateway:${gateway}`, policy, now);

const NOW = 1_800_000_000;

/** Applies a result to a plain Map, as the directory would. */
function applyTo(map: Map<number, KeyRecord>, result: MergeResult): Map<number, KeyRecord> {
  for (const change of result.changes) map.set(change.next.num, change.next);
  return map;
}

function seeded(policy: "alert" | "pin" = "alert"): Map<number, KeyRecord> {
  return applyTo(new Map(), mergeDump(new Map(), dump(remote(1, key(1)), [remote(2, key(2)), remote(3, null)]), policy, NOW - 100));
}

describe("mergeDump", () => {
  it("adds new nodes, with key_added for those with a key; the radio's own node included", () => {
    const result = mergeDump(new Map(), dump(remote(1, key(1)), [remote(2, key(2)), remote(3, null)]), "alert", NOW);
    expect(result.counts).toEqual({ checked: 3, nodesAdded: 3, added: 2, updated: 0, pinned: 0, unchanged: 0 });
    expect(result.changes.map((c) => [c.prev, c.next.num])).toEqual([[null, 1], [null, 2], [null, 3]]);
    expect(result.events).toEqual([
      { type: "key_added", data: { id: "!00000001", fingerprint: result.changes[0]?.next.fingerprint, source: "nodedb" } },
      { type: "key_added", data: { id: "!00000002", fingerprint: result.changes[1]?.next.fingerprint, source: "nodedb" } },
    ]);
    const added = result.changes[1]?.next;
    expect(added).toMatchObject({ id: "!00000002", longName: "Node 2", source: "nodedb", firstSeen: NOW, changed: false });
    expect(added?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it("changes nothing for a dump with only the radio's own node (2.8 access control)", () => {
    const before = seeded();
    const result = mergeDump(before, dump(remote(1, key(99), { longName: "renamed" }), []), "alert", NOW);
    expect(result.ownNodeOnly).toBe(true);
    expect(result.changes).toEqual([]);
    expect(result.events).toEqual([]);
    expect(result.counts.checked).toBe(0);
  });

  it("never removes a node the dump lacks", () => {
    const before = seeded();
    const result = mergeDump(before, dump(remote(1, key(1)), [remote(4, key(4))]), "alert", NOW);
    expect(result.changes.map((c) => c.next.num)).toEqual([4]);
    expect([...applyTo(before, result).keys()].sort()).toEqual([1, 2, 3, 4]);
  });

  it("a key for a known keyless node counts as added", () => {
    const result = mergeDump(seeded(), dump(null, [remote(3, key(3))]), "alert", NOW);
    expect(result.counts).toMatchObject({ nodesAdded: 0, added: 1, updated: 0 });
    expect(result.events[0]).toMatchObject({ type: "key_added", data: { id: "!00000003", source: "nodedb" } });
  });

  it("an empty or absent key never clears the key we hold", () => {
    for (const empty of [null, new Uint8Array(0)]) {
      const before = seeded();
      const result = mergeDump(before, dump(null, [remote(2, empty)]), "alert", NOW);
      // What changes is only what the radio is known to hold: no key (FIRMWARE.md, empty keys).
      expect(result.changes.map((c) => c.next)).toEqual([{ ...before.get(2), radioKey: null }]);
      expect(result.events).toEqual([]);
      const again = mergeDump(applyTo(before, result), dump(null, [remote(2, empty)]), "alert", NOW);
      expect(again.changes).toEqual([]);
      expect(again.counts.unchanged).toBe(1);
    }
  });

  it("under alert takes a changed key, flags it and counts it as updated", () => {
    const before = seeded();
    const old = before.get(2);
    const result = mergeDump(before, dump(null, [remote(2, key(22))]), "alert", NOW);
    const next = result.changes[0]?.next;
    expect(result.counts).toMatchObject({ added: 0, updated: 1, pinned: 0 });
    expect(next).toMatchObject({ changed: true, keyChangedAt: NOW, source: "nodedb", pendingKey: null });
    expect(next?.key).toEqual(key(22));
    expect(result.events).toEqual([
      {
        type: "key_changed",
        data: { id: "!00000002", old_fingerprint: old?.fingerprint, new_fingerprint: next?.fingerprint, action: "taken", old_source: "nodedb", new_source: "nodedb" },
      },
    ]);
  });

  it("under pin keeps the old key, remembers the new one, does not count it as updated", () => {
    const before = seeded("pin");
    const old = before.get(2);
    const result = mergeDump(before, dump(null, [remote(2, key(22))]), "pin", NOW);
    const next = result.changes[0]?.next;
    expect(result.counts).toMatchObject({ updated: 0, pinned: 1 });
    expect(next?.key).toEqual(key(2));
    expect(next?.fingerprint).toBe(old?.fingerprint);
    expect(next?.pendingKey).toEqual(key(22));
    expect(next).toMatchObject({ changed: true, keyChangedAt: NOW, pendingSource: "nodedb" });
    expect(result.events[0]).toMatchObject({ type: "key_changed", data: { action: "pinned", old_fingerprint: old?.fingerprint } });

    // The same pending key reported again is not news.
    const again = mergeDump(applyTo(before, result), dump(null, [remote(2, key(22))]), "pin", NOW + 10);
    expect(again.events).toEqual([]);
    expect(again.changes).toEqual([]);
  });

  it("updates names and flags without counting a key change; empty names keep ours", () => {
    const before = seeded();
    const result = mergeDump(
      before,
      dump(null, [remote(2, key(2), { longName: "Base", shortName: "", verified: true, ignored: true, lastHeard: NOW - 5 })]),
      "alert",
      NOW,
    );
    expect(result.counts).toMatchObject({ added: 0, updated: 0, pinned: 0, unchanged: 0 });
    expect(result.events).toEqual([]);
    expect(result.changes[0]?.next).toMatchObject({
      longName: "Base",
      shortName: "N2",
      verified: true,
      ignored: true,
      lastSeen: NOW - 5,
      changed: false,
    });
  });

  it("a second identical dump changes nothing", () => {
    const d = dump(remote(1, key(1)), [remote(2, key(2), { lastHeard: NOW - 50 }), remote(3, null)]);
    const map = applyTo(new Map(), mergeDump(new Map(), d, "alert", NOW));
    const second = mergeDump(map, d, "alert", NOW + 60);
    expect(second.changes).toEqual([]);
    expect(second.events).toEqual([]);
    expect(second.counts).toEqual({ checked: 3, nodesAdded: 0, added: 0, updated: 0, pinned: 0, unchanged: 3 });
  });

  it("keeps the radio's traits: set by a dump, replaced by a later one, kept when an entry has no User or a source says nothing of them", () => {
    const first = applyTo(new Map(), mergeDump(new Map(), dump(null, [remote(2, key(2), { traits: 41 }), remote(3, null, { traits: 7 })]), "alert", NOW));
    expect([first.get(2)?.traits, first.get(3)?.traits]).toEqual([41, 7]);
    // A changed report alone is a record change, not a key change.
    const changed = mergeDump(first, dump(null, [remote(2, key(2), { traits: 42 }), remote(3, null, { traits: 7 })]), "alert", NOW);
    expect(changed.changes.map((c) => [c.next.num, c.next.traits])).toEqual([[2, 42]]);
    expect(changed.events).toEqual([]);
    expect(changed.counts).toMatchObject({ added: 0, updated: 0, unchanged: 1 });
    applyTo(first, changed);
    // An entry without a User, a gateway's key, a PKI packet: the last report stays.
    expect(mergeDump(first, dump(null, [remote(2, key(2), { traits: null, lastHeard: NOW })]), "alert", NOW).changes[0]?.next.traits).toBe(42);
    expect(mergeGateway(first, "attic", [remote(3, key(3), { traits: 9 })], "alert", NOW).changes[0]?.next.traits).toBe(7);
    expect(mergeKeySeen(first, { num: 3, publicKey: key(3), via: "pki" }, "alert", NOW).changes[0]?.next.traits).toBe(7);
    // A live NodeInfo brings the User the radio now stores.
    expect(mergeKeySeen(first, { num: 3, publicKey: key(3), via: "nodeinfo", traits: 8 }, "alert", NOW).changes[0]?.next.traits).toBe(8);
  });

  it("takes first_seen from the radio's last_heard when that is earlier", () => {
    const result = mergeDump(new Map(), dump(null, [remote(5, key(5), { lastHeard: NOW - 3600 })]), "alert", NOW);
    expect(result.changes[0]?.next).toMatchObject({ firstSeen: NOW - 3600, lastSeen: NOW - 3600 });
  });

  it("upgrades a key known from the store when the radio confirms it, without an event", () => {
    const before = seeded();
    before.set(2, { ...(before.get(2) as KeyRecord), source: "store" });
    const result = mergeDump(before, dump(null, [remote(2, key(2))]), "alert", NOW);
    expect(result.changes[0]?.next.source).toBe("nodedb");
    expect(result.events).toEqual([]);
    expect(result.counts).toMatchObject({ added: 0, updated: 0 });
  });
});

describe("mergeKeySeen and mergeGateway", () => {
  it("a live packet's key is source packet and marks the node heard now", () => {
    const result = mergeKeySeen(seeded(), { num: 3, publicKey: key(3), via: "nodeinfo", longName: "Hiker" }, "alert", NOW);
    expect(result.changes[0]?.next).toMatchObject({ source: "packet", lastSeen: NOW, longName: "Hiker", shortName: "N3" });
    expect(result.counts).toMatchObject({ checked: 1, added: 1 });
  });

  it("a gateway's key is source gateway:<name> and its radio's flags are not copied", () => {
    const result = mergeGateway(new Map(), "attic", [remote(9, key(9), { verified: true, ignored: true })], "alert", NOW);
    expect(result.changes[0]?.next).toMatchObject({ source: "gateway:attic", verified: false, ignored: false });
    expect(result.events[0]).toMatchObject({ type: "key_added", data: { source: "gateway:attic" } });
  });

  it("a gateway never overrules our own radio's key, even under alert; the event names both", () => {
    const before = seeded("alert");
    const result = mergeGateway(before, "cabin", [remote(2, key(99))], "alert", NOW);
    const next = result.changes[0]?.next;
    expect(next?.key).toEqual(key(2));
    expect(next?.pendingKey).toEqual(key(99));
    expect(result.counts).toMatchObject({ updated: 0, pinned: 1 });
    expect(result.events).toEqual([
      expect.objectContaining({ type: "key_changed", data: expect.objectContaining({ action: "pinned", old_source: "nodedb", new_source: "gateway:cabin" }) as unknown }),
    ]);
    // Seen again, the same disagreement is not news.
    const again = mergeGateway(applyTo(before, result), "cabin", [remote(2, key(99))], "alert", NOW + 1);
    expect(again.events).toEqual([]);
  });

  it("between gateways the policy applies as usual", () => {
    const fromAttic = applyTo(new Map(), mergeGateway(new Map(), "attic", [remote(9, key(9))], "alert", NOW));
    const result = mergeGateway(fromAttic, "cabin", [remote(9, key(19))], "alert", NOW);
    expect(result.changes[0]?.next.key).toEqual(key(19));
    expect(result.events[0]).toMatchObject({ data: { action: "taken", old_source: "gateway:attic", new_source: "gateway:cabin" } });
  });
});
