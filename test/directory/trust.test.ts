// The radio's own key trust, at the directory: a re-flashed node is heard with its new key on
// the air while every dump keeps the old one (firmware NodeDB::updateUser).
import { describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import type { KeyEvent } from "../../src/directory/events.js";
import { fingerprintOf, type KeyPolicy, type NodeView } from "../../src/directory/record.js";
import { dump, ingestDump, ingestKeySeen, key, remote } from "./util.js";

const OLD = key(2);
const NEW = key(22);

function setup(policy: KeyPolicy) {
  let now = 1_800_000_000;
  const directory = new KeyDirectory({ now: () => now, weakHashes: new Set() });
  const events: KeyEvent[] = [];
  const views: NodeView[] = [];
  directory.on("event", (e) => events.push(e));
  directory.on("nodeChanged", (v) => views.push(v));
  const radioDump = (nodes = [remote(2, OLD), remote(3, key(3))]) => {
    now += 60;
    ingestDump(directory, dump(remote(1, key(1)), nodes), policy);
  };
  const heard = (k: Uint8Array) => ingestKeySeen(directory, { num: 2, publicKey: k, via: "nodeinfo" }, policy);
  radioDump();
  events.length = 0;
  views.length = 0;
  return { directory, events, views, radioDump, heard, view: () => directory.view(2) as NodeView };
}

describe.each(["alert", "pin"] as const)("a re-flashed node under %s", (policy) => {
  it("one key_changed across the broadcast and five syncs; the fingerprint never flips", () => {
    const r = setup(policy);
    r.heard(NEW);
    const held = policy === "alert" ? fingerprintOf(NEW) : fingerprintOf(OLD);
    expect(r.events).toEqual([expect.objectContaining({ type: "key_changed", data: expect.objectContaining({ action: policy === "alert" ? "taken" : "pinned", new_fingerprint: fingerprintOf(NEW) }) as unknown })]);
    expect(r.view()).toMatchObject({
      status: "changed",
      key_fingerprint: held,
      radio_fingerprint: fingerprintOf(OLD),
      pending_fingerprint: policy === "pin" ? fingerprintOf(NEW) : null,
      in_radio: true,
    });
    const published = r.views.length;
    for (let i = 0; i < 5; i++) r.radioDump();
    r.heard(NEW);
    expect(r.events).toHaveLength(1);
    expect(r.views).toHaveLength(published);
    expect(r.view()).toMatchObject({ status: "changed", key_fingerprint: held });
  });

  it("accept_key: the new key is held and confirmed, the radio is stale; radio_key_stale once", () => {
    const r = setup(policy);
    r.heard(NEW);
    r.events.length = 0;
    expect(r.directory.acceptKey(2)).toMatchObject({ status: "radio_stale", key_fingerprint: fingerprintOf(NEW), radio_fingerprint: fingerprintOf(OLD), pending_fingerprint: null });
    expect(r.events).toEqual([{ type: "radio_key_stale", data: { id: "!00000002", radio_fingerprint: fingerprintOf(OLD), confirmed_fingerprint: fingerprintOf(NEW) } }]);
    for (let i = 0; i < 3; i++) r.radioDump();
    expect(r.events).toHaveLength(1);
    expect(r.directory.summary().alerts).toBe(1);
    // The radio learns the new key (add_contact, a reset): the node is ok.
    r.radioDump([remote(2, NEW), remote(3, key(3))]);
    expect(r.view()).toMatchObject({ status: "ok", radio_fingerprint: fingerprintOf(NEW) });
    expect(r.events).toHaveLength(1);
  });

  it("reject_key: back to the confirmed key; the rejected key heard again raises nothing", () => {
    const r = setup(policy);
    r.heard(NEW);
    r.events.length = 0;
    expect(r.directory.rejectKey(2)).toMatchObject({ rejected: true, view: { status: "ok", key_fingerprint: fingerprintOf(OLD), pending_fingerprint: null } });
    const published = r.views.length;
    r.heard(NEW);
    r.radioDump();
    expect(r.events).toEqual([]);
    expect(r.views).toHaveLength(published);
    expect(r.view()).toMatchObject({ status: "ok", key_fingerprint: fingerprintOf(OLD) });
    expect(r.directory.get(2)?.confirmedKey).toEqual(OLD);
    // Nothing left to reject.
    expect(r.directory.rejectKey(2)).toMatchObject({ rejected: false });
  });

  it("the old key heard on the air again: one key_conflict naming both keys, no flip", () => {
    const r = setup(policy);
    r.heard(NEW);
    const before = r.view();
    r.events.length = 0;
    r.heard(OLD);
    r.heard(OLD);
    const conflict = { type: "key_conflict", data: { id: "!00000002", fingerprint: fingerprintOf(NEW), conflicting_fingerprint: fingerprintOf(OLD) } };
    expect(r.events).toEqual([conflict]);
    expect(r.view()).toEqual(before);
    // After accept_key too, the replaced key heard on the air is a second device.
    const other = setup(policy);
    other.heard(NEW);
    other.directory.acceptKey(2);
    other.events.length = 0;
    other.heard(OLD);
    expect(other.events).toEqual([conflict]);
    expect(other.view()).toMatchObject({ key_fingerprint: fingerprintOf(NEW) });
  });
});

describe("what the radio holds", () => {
  it("a node left out of a complete dump is no longer in_radio, and its key stays", () => {
    const r = setup("alert");
    r.radioDump([remote(3, key(3))]);
    expect(r.view()).toMatchObject({ in_radio: false, radio_fingerprint: null, key_fingerprint: fingerprintOf(OLD), status: "ok" });
    expect(r.events).toEqual([]);
    r.radioDump();
    expect(r.view()).toMatchObject({ in_radio: true, radio_fingerprint: fingerprintOf(OLD) });
  });

  it("a dump reporting a key nobody heard (the radio's entry rewritten) is a key change", () => {
    const r = setup("alert");
    r.radioDump([remote(2, NEW), remote(3, key(3))]);
    expect(r.events.map((e) => e.type)).toEqual(["key_changed"]);
    expect(r.view()).toMatchObject({ status: "changed", key_fingerprint: fingerprintOf(NEW), radio_fingerprint: fingerprintOf(NEW) });
    // reject_key while the radio holds the rejected key: the radio is stale.
    r.directory.rejectKey(2);
    expect(r.view()).toMatchObject({ status: "radio_stale", key_fingerprint: fingerprintOf(OLD) });
    expect(r.events.map((e) => e.type)).toEqual(["key_changed", "radio_key_stale"]);
  });

  it("an own-node-only dump changes none of it", () => {
    const r = setup("alert");
    ingestDump(r.directory, dump(remote(1, key(1)), []), "alert");
    expect(r.view()).toMatchObject({ in_radio: true, radio_fingerprint: fingerprintOf(OLD) });
    expect(r.views).toEqual([]);
  });
});
