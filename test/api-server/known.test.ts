// What one client has of each node, and what the radio keeps of a heard NodeInfo: the pure
// rules behind "one node_info per node per change, never a flood of unchanged nodes".
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { KnownNodes, identityOf, userAfterNodeInfo } from "../../src/api-server/known.js";
import type { User } from "../../src/protocol/messages.js";

const user = (longName: string, key?: Uint8Array) => ({ id: "!x", longName, shortName: longName.slice(0, 4), hwModel: 0, role: 0, isLicensed: false, publicKey: key ?? new Uint8Array(0) }) as unknown as User;

describe("KnownNodes", () => {
  it("names only the nodes that are new or differ, then counts the client as having the newer view", () => {
    const base = new Map([[1, "a"], [2, "b"], [3, "c"]]);
    const known = new KnownNodes(base);
    expect(known.catchUp(base)).toEqual([]);
    const next = new Map([[1, "a"], [2, "B"], [4, "d"]]);
    expect(known.catchUp(next)).toEqual([2, 4]);
    expect(known.catchUp(next)).toEqual([]);
    // A node the newer view lacks (evicted) stays as the client has it: no frame takes it away.
    expect(known.get(3)).toBe("c");
    expect(known.catchUp(new Map([[3, "c"]]))).toEqual([]);
  });

  it("a node sent since the handshake counts as the client has it", () => {
    const known = new KnownNodes(new Map([[1, "a"]]));
    known.set(1, "heard");
    expect(known.catchUp(new Map([[1, "heard"]]))).toEqual([]);
    expect(known.catchUp(new Map([[1, "a"]]))).toEqual([1]);
  });
});

describe("userAfterNodeInfo (NodeDB::updateUser)", () => {
  const [old, fresh, ours] = [randomBytes(32), randomBytes(32), randomBytes(32)];

  it("keeps a stored key against a new one (a re-flash) and refuses our own key", () => {
    expect(userAfterNodeInfo(user("A", old), user("A2", fresh), ours)).toBeNull();
    expect(userAfterNodeInfo(undefined, user("Evil", ours), ours)).toBeNull();
  });

  it("takes the heard user otherwise, with the stored key when it carries none", () => {
    expect(identityOf(userAfterNodeInfo(user("A", old), user("Renamed", old), ours) ?? undefined)).toBe(identityOf(user("Renamed", old)));
    expect(identityOf(userAfterNodeInfo(user("A", old), user("Renamed"), ours) ?? undefined)).toBe(identityOf(user("Renamed", old)));
    expect(identityOf(userAfterNodeInfo(user("A"), user("A", fresh), ours) ?? undefined)).toBe(identityOf(user("A", fresh)));
  });

  it("an identity ignores everything but names, role, hardware and key", () => {
    expect(identityOf(user("A", old))).not.toBe(identityOf(user("A", fresh)));
    expect(identityOf(user("A", old))).not.toBe(identityOf(user("B", old)));
    expect(identityOf({ ...user("A", old), macaddr: randomBytes(6) })).toBe(identityOf(user("A", old)));
  });
});
