// The store file's format (6: uplink claims, test/directory/uplink-store.test.ts; the trust fields came with 3, traits: store-traits.test.ts): the trust fields survive a restart; nodes of versions 1 and 2 are migrated.
import { describe, expect, it } from "vitest";
import { parseStore, serializeRecords, StoreVersionError, STORE_VERSION } from "../../src/directory/store-format.js";
import { keyFields, NO_NOTES } from "../../src/directory/record.js";
import { fingerprintOf } from "../../src/directory/record.js";
import { key, record } from "./util.js";

describe("store format", () => {
  it("round-trips confirmed, radio, rejected and former keys and the once-only notes", () => {
    const changed = record(2, key(22), {
      changed: true,
      source: "packet",
      origin: "packet",
      confirmedKey: keyFields(key(2)).key,
      confirmedOrigin: "nodedb",
      radioKey: keyFields(key(2)).key,
      notes: { rejected: [fingerprintOf(key(23))], former: [fingerprintOf(key(24))], staleNoted: fingerprintOf(key(25)), conflictNoted: fingerprintOf(key(2)), replacedBy: null },
    });
    const evicted = record(3, key(3), { inRadio: false, radioKey: null });
    const plain = record(4, key(4));
    const text = serializeRecords([changed, evicted, plain], 1);
    const doc = JSON.parse(text) as { version: number; nodes: Record<string, unknown>[] };
    expect(doc.version).toBe(STORE_VERSION);
    expect(STORE_VERSION).toBe(6);
    // Keys equal to the held one are left out: the usual node costs no more than in version 1.
    expect(Object.keys(doc.nodes[2] ?? {})).not.toContain("confirmed_key");
    expect(Object.keys(doc.nodes[2] ?? {})).not.toContain("radio_key");
    expect(Object.keys(doc.nodes[2] ?? {})).not.toContain("rejected");
    expect(doc.nodes[0]).toMatchObject({ rejected: [fingerprintOf(key(23))], stale_noted: fingerprintOf(key(25)) });
    expect(doc.nodes[1]).toMatchObject({ radio_key: null, in_radio: false });
    const back = parseStore(text, "keys.json");
    expect(back[0]).toMatchObject({
      confirmedKey: key(2),
      confirmedOrigin: "nodedb",
      radioKey: key(2),
      notes: { rejected: [fingerprintOf(key(23))], former: [fingerprintOf(key(24))], staleNoted: fingerprintOf(key(25)), conflictNoted: fingerprintOf(key(2)) },
      changed: true,
      source: "store",
      origin: "packet",
    });
    expect(back[1]).toMatchObject({ inRadio: false, radioKey: null, confirmedKey: key(3) });
    expect(back[2]).toMatchObject({ inRadio: true, radioKey: key(4), confirmedKey: key(4) });
    // Nothing noted: the one shared empty notes object, no allocation per node.
    expect(back[2]?.notes).toBe(NO_NOTES);
  });

  it("a version 1 file is migrated: the held key becomes the confirmed one, the radio's key is unknown", () => {
    const b64 = (n: number) => Buffer.from(key(n)).toString("base64");
    const node = (num: number, extra: Record<string, unknown>) => ({
      num, id: "", long_name: "n", short_name: "n", key: b64(num), source: "nodedb", first_seen: 1, last_seen: 2,
      key_changed_at: null, verified: false, ignored: false, changed: false, pending_key: null, pending_source: null, ...extra,
    });
    const v1 = JSON.stringify({
      format: "meshtastic-keysync/keys",
      version: 1,
      nodes: [node(1, {}), node(2, { changed: true, pending_key: b64(22), pending_source: "packet" })],
    });
    const [plain, pinned] = parseStore(v1, "keys.json");
    expect(plain).toMatchObject({ key: key(1), confirmedKey: key(1), confirmedOrigin: "nodedb", radioKey: null, inRadio: false, notes: NO_NOTES });
    expect(pinned).toMatchObject({ key: key(2), confirmedKey: key(2), pendingKey: key(22), changed: true });
    // Written back, it is the current version.
    expect(JSON.parse(serializeRecords([plain!, pinned!], 1))).toMatchObject({ version: STORE_VERSION });
  });

  it("a newer version is still refused; a broken trust field is corrupt", () => {
    expect(() => parseStore(JSON.stringify({ format: "meshtastic-keysync/keys", version: STORE_VERSION + 1, nodes: [] }), "k")).toThrow(StoreVersionError);
    const text = serializeRecords([record(1, key(1))], 1).replace('"in_radio": true', '"in_radio": true, "rejected": ["nope"]');
    expect(() => parseStore(text, "k")).toThrow(/nodes\[0\]\.rejected/);
  });
});
