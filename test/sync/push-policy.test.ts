// The one push policy, rule by rule, for both paths (the push command and the automatic fill).
import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../../src/directory/record.js";
import { shareableKey, type ShareFacts } from "../../src/directory/shareable.js";
import { confirmation, decidePush, type PushDecision, type PushFacts, type PushPath, type RadioHolding } from "../../src/sync/push-policy.js";
import { hashOf, key, record } from "../directory/util.js";

const OURS = key(1);
const OTHER = key(2);
const clean: ShareFacts = { weakHashes: new Set(), duplicated: () => false };

function facts(rec: KeyRecord | undefined, radio: Partial<RadioHolding> = {}, extra: Partial<PushFacts> & { share?: ShareFacts; trust?: string[] } = {}): PushFacts {
  const { share = clean, trust = ["*"], ...rest } = extra;
  return { enabled: true, record: rec, shareable: shareableKey(rec, share, trust), radio: { key: null, verified: false, ...radio }, verify: false, ...rest };
}

const node = (extra: Partial<KeyRecord> = {}): KeyRecord => record(0xa76f40da, OURS, { longName: "Alpha", shortName: "AL", radioKey: null, ...extra });
const reason = (d: PushDecision): string => ("refused" in d ? d.refused : `(not refused: ${"send" in d ? "send" : "held"})`);
const both: PushPath[] = ["command", "fill"];

describe("decidePush: what every path refuses", () => {
  it.each(both)("%s: push.enabled false, before anything else", (path) => {
    expect(reason(decidePush(path, facts(node(), {}, { enabled: false })))).toBe("push is off (push.enabled)");
  });

  it.each(both)("%s: an unknown node, a changed node, a weak, a duplicated and an untrusted key, an ignored node", (path) => {
    expect(reason(decidePush(path, facts(undefined)))).toMatch(/not in the key directory/);
    expect(reason(decidePush(path, facts(node({ changed: true }))))).toMatch(/changed: run accept_key or reject_key/);
    expect(reason(decidePush(path, facts(node(), {}, { share: { ...clean, weakHashes: new Set([hashOf(OURS)]) } })))).toMatch(/weak/);
    expect(reason(decidePush(path, facts(node(), {}, { share: { ...clean, duplicated: () => true } })))).toMatch(/duplicate/);
    const fromRogue = node({ origin: "gateway:rogue", source: "gateway:rogue", confirmedOrigin: "gateway:rogue" });
    expect(reason(decidePush(path, facts(fromRogue, {}, { trust: ["cabin"] })))).toMatch(/not from our radio or a trusted gateway/);
    expect(reason(decidePush(path, facts(node({ ignored: true }))))).toMatch(/ignored/);
  });

  it.each(both)("%s: a node the radio holds as verified, without verify (the firmware would drop the contact)", (path) => {
    expect(reason(decidePush(path, facts(node(), { key: OTHER, verified: true })))).toMatch(/as verified; only push with "verify": true/);
    expect(reason(decidePush(path, facts(node(), { key: null, verified: true })))).toMatch(/as verified/);
  });
});

describe("decidePush: the automatic fill", () => {
  it("fills a key the radio lacks, as a full contact, never marked verified", () => {
    expect(decidePush("fill", facts(node(), {}, { verify: true }))).toEqual({
      send: { num: 0xa76f40da, longName: "Alpha", shortName: "AL", publicKey: OURS, manuallyVerified: false, traits: 0 },
      fingerprint: node().fingerprint,
    });
  });

  it("never replaces a key the radio holds", () => {
    expect(reason(decidePush("fill", facts(node(), { key: OTHER })))).toMatch(/holds a different key .*only the push command replaces it/);
  });

  it("leaves a key the radio already holds alone", () => {
    expect(decidePush("fill", facts(node(), { key: OURS }))).toEqual({ held: true, fingerprint: node().fingerprint, verified: false });
  });
});

describe("decidePush: the push command", () => {
  it("replaces a different key the radio holds (the radio_stale repair)", () => {
    expect(decidePush("command", facts(node(), { key: OTHER }))).toMatchObject({ send: { publicKey: OURS, manuallyVerified: false } });
  });

  it("replaces a key the radio holds as verified only with verify, and sends it marked verified", () => {
    const d = decidePush("command", facts(node(), { key: OTHER, verified: true }, { verify: true }));
    expect(d).toMatchObject({ send: { publicKey: OURS, manuallyVerified: true } });
  });

  it("with verify, marks a key the radio holds unverified; sends nothing once it is verified", () => {
    expect(decidePush("command", facts(node(), { key: OURS }, { verify: true }))).toMatchObject({ send: { manuallyVerified: true } });
    expect(decidePush("command", facts(node(), { key: OURS, verified: true }, { verify: true }))).toEqual({ held: true, fingerprint: node().fingerprint, verified: true });
    expect(decidePush("command", facts(node(), { key: OURS, verified: true }))).toEqual({ held: true, fingerprint: node().fingerprint, verified: true });
  });

  it("the contact carries the node's traits from the directory record (what the radio last reported), 0 when none are known", () => {
    expect(decidePush("command", facts(node({ traits: 0x2b | (2 << 12) })))).toMatchObject({ send: { traits: 0x2b | (2 << 12), longName: "Alpha" } });
    expect(decidePush("fill", facts(node()))).toMatchObject({ send: { traits: 0 } });
  });

  it("pushes a trusted gateway's key", () => {
    const shared = node({ origin: "gateway:cabin", source: "gateway:cabin", confirmedOrigin: "gateway:cabin" });
    expect(decidePush("command", facts(shared, {}, { trust: ["cabin"] }))).toMatchObject({ send: { publicKey: OURS } });
  });
});

describe("confirmation", () => {
  const sent = { num: 1, longName: "", shortName: "", publicKey: OURS, manuallyVerified: true, traits: 0 };
  it("says what the re-read shows instead of what was sent", () => {
    expect(confirmation(sent, { key: OURS, verified: true, inRadio: true })).toBeNull();
    expect(confirmation({ ...sent, manuallyVerified: false }, { key: OURS, verified: false, inRadio: true })).toBeNull();
    expect(confirmation(sent, { key: OURS, verified: false, inRadio: true })).toMatch(/not marked verified/);
    expect(confirmation(sent, { key: OTHER, verified: true, inRadio: true })).toMatch(/still holds a different key/);
    expect(confirmation(sent, { key: null, verified: false, inRadio: true })).toMatch(/no key/);
    expect(confirmation(sent, { key: null, verified: false, inRadio: false })).toMatch(/not in the radio's NodeDB/);
  });
});
