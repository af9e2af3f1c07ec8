// The trust rules for keys from the mesh's MQTT uplink, rule by rule, over the pure merge and
// trust functions: an uplink key is a claim that fills, never overrules, and is confirmed only
// by our radio, a trusted gateway, accept_key, `uplink.trust: confirmed` or a self-certified
// (firmware 2.8) NodeInfo.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/directory/crc32.js";
import type { KeyEvent } from "../../src/directory/events.js";
import { mergeObservations, type MergeRules, type Observation } from "../../src/directory/merge.js";
import { fingerprintOf, toView, type KeyPolicy, type KeyRecord, type KeySource } from "../../src/directory/record.js";
import { acceptRecord, rejectRecord } from "../../src/directory/trust.js";
import { selfCertified, uplinkConfirms } from "../../src/directory/uplink-trust.js";
import { key, record } from "./util.js";

const GW = "uplink:!0badcafe" as const;
const NOW = 2_000_000_000;

/** A directory as a plain map; each merge applied to it, its events returned. */
function directory(...records: KeyRecord[]) {
  const map = new Map<number, KeyRecord>(records.map((r) => [r.num, r]));
  const merge = (observations: Observation[], source: Exclude<KeySource, "store">, policy: KeyPolicy = "alert", rules: MergeRules = {}): KeyEvent[] => {
    const result = mergeObservations(map, observations, source, policy, NOW, rules);
    for (const change of result.changes) map.set(change.next.num, change.next);
    return result.events;
  };
  return { map, merge, at: (num: number) => map.get(num) as KeyRecord };
}

const fp = (k: Uint8Array): string => fingerprintOf(k);
const same = (a: Uint8Array | null, b: Uint8Array | null): boolean => a !== null && b !== null && Buffer.from(a).equals(Buffer.from(b));

describe("an uplink key fills", () => {
  it("a node we never heard: held with key_source uplink:<gw>, not confirmed, status ok (not an alert)", () => {
    const d = directory();
    const events = d.merge([{ num: 5, key: key(5), longName: "Far" }], GW);
    expect(events).toEqual([{ type: "key_added", data: { id: "!00000005", fingerprint: fp(key(5)), source: GW } }]);
    const r = d.at(5);
    expect(r).toMatchObject({ source: GW, origin: GW, confirmedKey: null, confirmedOrigin: null, longName: "Far" });
    expect(toView(r, "ok")).toMatchObject({ has_key: true, key_source: GW, confirmed: false, key_fingerprint: fp(key(5)) });
  });

  it("a node our radio knows without a key, the same way", () => {
    const d = directory(record(6, null));
    d.merge([{ num: 6, key: key(6) }], GW, "pin");
    expect(d.at(6)).toMatchObject({ source: GW, confirmedKey: null, radioKey: null });
    expect(same(d.at(6).key, key(6))).toBe(true);
  });
});

describe("an uplink key never replaces a key our radio or a trusted gateway vouches for", () => {
  const vouched: [string, KeyRecord][] = [
    ["nodedb", record(7, key(7))],
    ["packet", record(7, key(7), { source: "packet", origin: "packet", confirmedOrigin: "packet", radioKey: null })],
    ["store (from our radio)", record(7, key(7), { source: "store", origin: "nodedb" })],
    ["a trusted gateway", record(7, key(7), { source: "gateway:cabin", origin: "gateway:cabin", radioKey: null })],
  ];
  it.each(vouched)("%s: one key_conflict with both fingerprints, nothing held changes, a replay raises nothing", (_, held) => {
    for (const policy of ["alert", "pin"] as const) {
      const d = directory(held);
      const events = d.merge([{ num: 7, key: key(70), longName: "Forged" }], GW, policy);
      expect(events).toEqual([{ type: "key_conflict", data: { id: "!00000007", fingerprint: fp(key(7)), conflicting_fingerprint: fp(key(70)), conflicting_source: GW } }]);
      const after = d.at(7);
      expect(same(after.key, key(7)) && same(after.confirmedKey, key(7))).toBe(true);
      expect(after).toMatchObject({ source: held.source, origin: held.origin, changed: false, pendingKey: null, notes: { conflictNoted: fp(key(70)) } });
      // Not even the names of the forged NodeInfo are taken.
      expect(after.longName).toBe(held.longName);
      expect(d.merge([{ num: 7, key: key(70) }], "uplink:!0000beef", policy)).toEqual([]);
    }
  });

  it("the same key from the uplink for a vouched node changes nothing and does not lower its source", () => {
    const d = directory(record(7, key(7), { source: "packet" }));
    expect(d.merge([{ num: 7, key: key(7) }], GW)).toEqual([]);
    expect(d.at(7).source).toBe("packet");
  });
});

describe("a claim against a claim (a node only the uplink ever described)", () => {
  it.each(["alert", "pin"] as const)("under %s: the new key is kept aside as pending (never taken), one key_changed; neither key flips it", (policy) => {
    const d = directory();
    d.merge([{ num: 8, key: key(8) }], GW, policy);
    const events = d.merge([{ num: 8, key: key(80) }], "uplink:!00000002", policy);
    expect(events).toEqual([
      { type: "key_changed", data: { id: "!00000008", old_fingerprint: fp(key(8)), new_fingerprint: fp(key(80)), action: "pinned", old_source: GW, new_source: "uplink:!00000002" } },
    ]);
    expect(d.at(8)).toMatchObject({ changed: true, pendingSource: "uplink:!00000002", keyChangedAt: NOW, confirmedKey: null });
    expect(same(d.at(8).key, key(8))).toBe(true);
    // Two gateways relaying their NodeInfos over and over: nothing more.
    expect(d.merge([{ num: 8, key: key(8) }], GW, policy)).toEqual([]);
    expect(d.merge([{ num: 8, key: key(80) }], "uplink:!00000002", policy)).toEqual([]);
  });

  it("accept_key takes the pending claim, confirmed; reject_key keeps the first claim, still unconfirmed", () => {
    const d = directory();
    d.merge([{ num: 8, key: key(8) }], GW);
    d.merge([{ num: 8, key: key(80) }], "uplink:!00000002");
    const accepted = acceptRecord(d.at(8), NOW);
    expect(same(accepted.key, key(80)) && same(accepted.confirmedKey, key(80))).toBe(true);
    expect(accepted).toMatchObject({ changed: false, pendingKey: null, confirmedOrigin: "uplink:!00000002" });
    const rejected = rejectRecord(d.at(8)) as KeyRecord;
    expect(same(rejected.key, key(8))).toBe(true);
    expect(rejected).toMatchObject({ changed: false, pendingKey: null, confirmedKey: null, origin: GW, notes: { rejected: [fp(key(80))] } });
  });
});

describe("a claim becomes confirmed", () => {
  it.each(["nodedb", "packet", "gateway:cabin"] as const)("without any alert when %s reports the same key", (source) => {
    const d = directory();
    d.merge([{ num: 9, key: key(9) }], GW);
    expect(d.merge([{ num: 9, key: key(9) }], source, "pin")).toEqual([]);
    const r = d.at(9);
    expect(same(r.confirmedKey, key(9))).toBe(true);
    expect(r).toMatchObject({ source, confirmedOrigin: source, origin: GW, changed: false });
    expect(toView(r, "ok").confirmed).toBe(true);
    // Confirmed by our radio, a later forged claim is evidence, not a change.
    expect(d.merge([{ num: 9, key: key(90) }], GW).map((e) => e.type)).toEqual(["key_conflict"]);
  });

  it("a stored claim (key_source store after a restart) is confirmed by the radio the same way", () => {
    const d = directory(record(9, key(9), { source: "store", origin: GW, confirmedKey: null, confirmedOrigin: null, radioKey: null, inRadio: false }));
    expect(d.merge([{ num: 9, key: key(9), heardAt: "now" }], "packet")).toEqual([]);
    expect(d.at(9)).toMatchObject({ source: "packet", confirmedOrigin: "packet" });
  });

  it("by accept_key", () => {
    const d = directory();
    d.merge([{ num: 9, key: key(9) }], GW);
    const accepted = acceptRecord(d.at(9), NOW);
    expect(same(accepted.confirmedKey, key(9))).toBe(true);
    expect(accepted).toMatchObject({ confirmedOrigin: GW, changed: false, keyChangedAt: null });
    expect(acceptRecord(accepted, NOW)).toBe(accepted);
  });

  it("under uplink.trust confirmed: as it fills, like a trusted gateway's key; a claim held from before is confirmed when heard again", () => {
    const confirmed: MergeRules = { uplinkTrust: "confirmed" };
    const d = directory(record(4, key(4), { source: "store", origin: GW, confirmedKey: null, confirmedOrigin: null }));
    d.merge([{ num: 10, key: key(10) }], GW, "alert", confirmed);
    expect(same(d.at(10).confirmedKey, key(10))).toBe(true);
    expect(d.at(10).confirmedOrigin).toBe(GW);
    expect(d.merge([{ num: 4, key: key(4) }], GW, "alert", confirmed)).toEqual([]);
    expect(d.at(4).confirmedOrigin).toBe(GW);
    // It still never overrules our radio.
    const radio = directory(record(7, key(7)));
    expect(radio.merge([{ num: 7, key: key(70) }], GW, "alert", confirmed).map((e) => e.type)).toEqual(["key_conflict"]);
    expect(same(radio.at(7).key, key(7))).toBe(true);
  });
});

describe("our radio's different key for a node held only by an unconfirmed claim", () => {
  it("replaces the claim (nothing left the bridge with it), confirmed, and names the claim in one key_conflict", () => {
    const d = directory();
    d.merge([{ num: 11, key: key(11) }], GW);
    const events = d.merge([{ num: 11, key: key(12) }], "nodedb", "pin");
    expect(events).toEqual([{ type: "key_conflict", data: { id: "!0000000b", fingerprint: fp(key(12)), conflicting_fingerprint: fp(key(11)), conflicting_source: GW } }]);
    const r = d.at(11);
    expect(same(r.key, key(12)) && same(r.confirmedKey, key(12)) && same(r.radioKey, key(12))).toBe(true);
    expect(r).toMatchObject({ source: "nodedb", origin: "nodedb", confirmedOrigin: "nodedb", changed: false, inRadio: true });
    // The claim relayed again is the same evidence: nothing more.
    expect(d.merge([{ num: 11, key: key(11) }], GW)).toEqual([]);
  });
});

describe("the self-certified NodeInfo (firmware 2.8: signed, and num == crc32(key))", () => {
  const k = key(21);
  const num = crc32(k);
  it("selfCertified: only signed, with the number derived from the key", () => {
    expect(selfCertified({ num, key: k, signed: true })).toBe(true);
    expect(selfCertified({ num, key: k })).toBe(false);
    expect(selfCertified({ num, key: k, signed: false })).toBe(false);
    expect(selfCertified({ num: (num + 1) >>> 0, key: k, signed: true })).toBe(false);
    expect(selfCertified({ num, key: k.subarray(0, 31), signed: true })).toBe(false);
    expect(uplinkConfirms({ num: 1, key: k }, "confirmed")).toBe(true);
    expect(uplinkConfirms({ num: 1, key: k }, "claim")).toBe(false);
  });

  it("counts as confirmed even under claim; an unsigned one does not", () => {
    const d = directory();
    d.merge([{ num, key: k, signed: true }], GW);
    expect(same(d.at(num).confirmedKey, k)).toBe(true);
    d.merge([{ num: 22, key: key(22), signed: true }], GW);
    expect(d.at(22).confirmedKey).toBeNull();
  });

  it("outranks an unsigned claim for the node: replaces it, confirmed, with one key_conflict naming the claim", () => {
    const d = directory();
    d.merge([{ num, key: key(99), longName: "Forged" }], "uplink:!00f0f0f0");
    const events = d.merge([{ num, key: k, signed: true }], GW);
    expect(events).toEqual([{ type: "key_conflict", data: { id: d.at(num).id, fingerprint: fp(k), conflicting_fingerprint: fp(key(99)), conflicting_source: "uplink:!00f0f0f0" } }]);
    expect(d.at(num)).toMatchObject({ source: GW, changed: false, signed: true, pendingKey: null });
    expect(same(d.at(num).key, k) && same(d.at(num).confirmedKey, k)).toBe(true);
    // The unsigned claim again, afterwards: evidence once, never a flip back.
    expect(d.merge([{ num, key: key(99) }], "uplink:!00f0f0f0")).toEqual([]);
    expect(same(d.at(num).key, k)).toBe(true);
  });

  it("an unsigned claim against an unsigned claim stays pinned; a signed key never overrules our radio", () => {
    const d = directory();
    d.merge([{ num, key: key(99) }], GW);
    expect(d.merge([{ num, key: k }], GW).map((e) => e.type)).toEqual(["key_changed"]);
    expect(same(d.at(num).key, key(99))).toBe(true);
    const radio = directory(record(num, key(98)));
    expect(radio.merge([{ num, key: k, signed: true }], GW).map((e) => e.type)).toEqual(["key_conflict"]);
    expect(same(radio.at(num).key, key(98))).toBe(true);
  });
});

