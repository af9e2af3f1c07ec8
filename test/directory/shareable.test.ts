import { describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { shareableKey, trustedOrigin, type Shareable, type ShareFacts } from "../../src/directory/shareable.js";
import { dump, hashOf, ingestDump, ingestKeySeen, key, record, remote } from "./util.js";

const none: ShareFacts = { weakHashes: new Set(), duplicated: () => false };
const refusal = (s: Shareable): string => ("refused" in s ? s.refused : "(not refused)");

describe("shareableKey (the push policy's key rule)", () => {
  it("gives the confirmed key of a node our radio taught us", () => {
    const r = record(1, key(1));
    const verdict = shareableKey(r, none, []);
    expect(verdict).toEqual({ key: r.confirmedKey, fingerprint: r.fingerprint });
  });

  it("gives the confirmed key, not the held one, of a changed node", () => {
    const r = record(1, key(2), { changed: true, confirmedKey: key(1) });
    const verdict = shareableKey(r, none, []);
    expect("key" in verdict && Buffer.from(verdict.key).equals(Buffer.from(key(1)))).toBe(true);
  });

  it("refuses unknown nodes, nodes without a key, weak and duplicated keys", () => {
    expect(shareableKey(undefined, none, [])).toHaveProperty("refused");
    expect(refusal(shareableKey(record(1, null), none, []))).toContain("no confirmed key");
    const weak = { ...none, weakHashes: new Set([hashOf(key(1))]) };
    expect(refusal(shareableKey(record(1, key(1)), weak, []))).toContain("weak");
    const dup = { ...none, duplicated: () => true };
    expect(refusal(shareableKey(record(1, key(1)), dup, []))).toContain("duplicate");
  });

  it("trusts our radio always, a gateway only when share.trust names it or holds *", () => {
    expect(trustedOrigin("nodedb", [])).toBe(true);
    expect(trustedOrigin("packet", [])).toBe(true);
    expect(trustedOrigin("store", ["*"])).toBe(false);
    expect(trustedOrigin("gateway:attic", [])).toBe(false);
    expect(trustedOrigin("gateway:attic", ["attic"])).toBe(true);
    expect(trustedOrigin("gateway:attic", ["*"])).toBe(true);
    expect(shareableKey(record(1, key(1), { confirmedOrigin: "gateway:attic" }), none, ["cellar"])).toHaveProperty("refused");
  });
});

describe("KeyDirectory.shareable", () => {
  it("refuses a key two nodes hold and a weak one, gives a sound one", () => {
    const directory = new KeyDirectory({ now: () => 2_000_000_000, weakHashes: new Set([hashOf(key(9))]) });
    ingestDump(directory, dump(null, [remote(1, key(1)), remote(2, key(5)), remote(3, key(5)), remote(4, key(9))]), "alert");
    expect(directory.shareable(1, [])).toHaveProperty("key");
    expect(refusal(directory.shareable(2, []))).toContain("duplicate");
    expect(refusal(directory.shareable(4, []))).toContain("weak");
    expect(directory.shareable(7, [])).toHaveProperty("refused");
  });

  it("refuses a changed node's confirmed key once another node holds it", () => {
    const directory = new KeyDirectory({ now: () => 2_000_000_000, weakHashes: new Set() });
    ingestDump(directory, dump(null, [remote(1, key(1))]), "alert");
    ingestKeySeen(directory, { num: 1, publicKey: key(2), via: "nodeinfo" }, "alert");
    expect(directory.get(1)?.changed).toBe(true);
    expect(directory.shareable(1, [])).toHaveProperty("key");
    ingestDump(directory, dump(null, [remote(1, key(2)), remote(5, key(1))]), "alert");
    expect(refusal(directory.shareable(1, []))).toContain("duplicate");
  });
});
