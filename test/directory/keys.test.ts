import { describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import type { NodeView } from "../../src/directory/record.js";
import { crc32 } from "../../src/directory/crc32.js";
import type { KeyEvent } from "../../src/directory/events.js";
import { dump, hashOf, ingestDump, ingestKeySeen, key, remote } from "./util.js";

function setup(weak: string[] = []) {
  let now = 1_800_000_000;
  const directory = new KeyDirectory({ now: () => now, weakHashes: new Set(weak) });
  const log = { changed: [] as NodeView[], removed: [] as string[], events: [] as KeyEvent[], dirty: 0 };
  directory.on("nodeChanged", (view) => log.changed.push(view));
  directory.on("nodeRemoved", ({ id }) => log.removed.push(id));
  directory.on("event", (event) => log.events.push(event));
  directory.on("dirty", () => log.dirty++);
  const reset = () => {
    log.changed.length = 0;
    log.removed.length = 0;
    log.events.length = 0;
    log.dirty = 0;
  };
  return { directory, log, reset, tick: (s: number) => (now += s), now: () => now };
}

describe("KeyDirectory", () => {
  it("views are exactly the nodes/<id> payload: the public key in base64, what the radio holds", () => {
    const { directory } = setup();
    ingestDump(directory, dump(remote(1, key(1)), [remote(2, null, { verified: true })]), "alert");
    const view = directory.view(1);
    expect(Object.keys(view ?? {}).sort()).toEqual(
      [
        "first_seen", "has_key", "id", "ignored", "key_changed_at", "key_fingerprint", "key_source", "long_name", "num", "short_name", "status", "verified",
        "public_key", "pending_fingerprint", "radio_fingerprint", "in_radio", "confirmed", "signed", "replaced_by",
      ].sort(),
    );
    expect(view).toMatchObject({ id: "!00000001", has_key: true, key_source: "nodedb", status: "ok", key_changed_at: null });
    // Public keys are public (the apps show them in base64); only private keys never leave.
    expect(view).toMatchObject({ public_key: Buffer.from(key(1)).toString("base64"), radio_fingerprint: view?.key_fingerprint, in_radio: true, pending_fingerprint: null, confirmed: true });
    expect(directory.view(2)).toMatchObject({ has_key: false, key_fingerprint: null, key_source: null, status: "missing", verified: true, public_key: null, radio_fingerprint: null, in_radio: true });
    expect(directory.list().map((v) => v.num)).toEqual([1, 2]);
    expect(directory.summary()).toEqual({ nodes_total: 2, nodes_with_key: 1, nodes_missing_key: 1, alerts: 0, nodes_only_in_directory: 0 });
    // A later dump without node 2 (evicted): the directory keeps it, and counts it apart.
    ingestDump(directory, dump(remote(1, key(1)), [remote(3, key(3))]), "alert");
    expect(directory.summary()).toMatchObject({ nodes_total: 3, nodes_only_in_directory: 1 });
  });

  it("emits changes only for real view changes; a second identical dump emits nothing", () => {
    const { directory, log, reset, tick } = setup();
    const d = dump(remote(1, key(1)), [remote(2, key(2), { lastHeard: 100 }), remote(3, null)]);
    const first = ingestDump(directory, d, "alert");
    expect(log.changed.map((v) => v.id)).toEqual(["!00000001", "!00000002", "!00000003"]);
    expect(log.events.map((e) => e.type)).toEqual(["key_added", "key_added"]);
    // The emitter is the one way key events leave the directory; ingest returns the counts.
    expect(first.counts).toMatchObject({ checked: 3, added: 2 });
    expect(log.dirty).toBe(1);
    reset();
    tick(60);
    ingestDump(directory, d, "alert");
    expect(log).toEqual({ changed: [], removed: [], events: [], dirty: 0 });

    // Heard again: persisted (dirty) but not a view change.
    ingestDump(directory, dump(remote(1, key(1)), [remote(2, key(2), { lastHeard: 200 }), remote(3, null)]), "alert");
    expect(log.changed).toEqual([]);
    expect(log.dirty).toBe(1);
  });

  it("an own-node-only dump changes nothing", () => {
    const { directory, log, reset } = setup();
    ingestDump(directory, dump(remote(1, key(1)), [remote(2, key(2))]), "alert");
    reset();
    const result = ingestDump(directory, dump(remote(1, key(1)), []), "alert");
    expect(result.ownNodeOnly).toBe(true);
    expect(directory.size).toBe(2);
    expect(log).toEqual({ changed: [], removed: [], events: [], dirty: 0 });
  });

  it("a new holder of an existing key moves both nodes to duplicate, with one alert each", () => {
    const { directory, log, reset } = setup();
    ingestDump(directory, dump(null, [remote(0x10, key(1)), remote(0x20, key(2))]), "alert");
    reset();
    ingestKeySeen(directory, { num: 0x30, publicKey: key(1), via: "nodeinfo" }, "alert");
    expect(directory.view(0x10)?.status).toBe("duplicate");
    expect(directory.view(0x30)?.status).toBe("duplicate");
    expect(log.changed.map((v) => v.id).sort()).toEqual(["!00000010", "!00000030"]);
    const dups = log.events.filter((e) => e.type === "duplicate_key");
    expect(dups.map((e) => e.data.id).sort()).toEqual(["!00000010", "!00000030"]);
    expect(dups[0]?.data).toMatchObject({ ids: ["!00000010", "!00000030"] });
    expect(directory.summary().alerts).toBe(2);

    // forget one: the other leaves duplicate, and that is published too.
    reset();
    expect(directory.forget(0x30)).toBe(true);
    expect(log.removed).toEqual(["!00000030"]);
    expect(log.changed.map((v) => [v.id, v.status])).toEqual([["!00000010", "ok"]]);
    expect(directory.view(0x30)).toBeUndefined();
    expect(directory.forget(0x30)).toBe(false);
  });

  it("a 2.8 renumbering to crc32(key) is not a duplicate", () => {
    const { directory, tick, now } = setup();
    const k = key(7);
    ingestDump(directory, dump(null, [remote(0x1234, k, { lastHeard: 1_799_999_000 })]), "alert");
    tick(600);
    ingestKeySeen(directory, { num: crc32(k), publicKey: k, via: "nodeinfo" }, "alert");
    expect(directory.view(crc32(k))?.status).toBe("ok");
    expect(directory.view(0x1234)?.status).toBe("ok");

    // The old number is heard again after the new one appeared: two devices share the key.
    tick(60);
    ingestDump(directory, dump(null, [remote(0x1234, k, { lastHeard: now() })]), "alert");
    expect(directory.view(0x1234)?.status).toBe("duplicate");
    expect(directory.view(crc32(k))?.status).toBe("duplicate");
  });

  it("a key on the low-entropy list is weak, with a weak_key alert", () => {
    const { directory, log } = setup([hashOf(key(5))]);
    ingestKeySeen(directory, { num: 5, publicKey: key(5), via: "pki" }, "alert");
    expect(directory.view(5)?.status).toBe("weak");
    expect(log.events.map((e) => e.type)).toEqual(["key_added", "weak_key"]);
  });

  it("alert: takes a changed key; accept_key clears changed", () => {
    const { directory, log, reset, tick, now } = setup();
    ingestDump(directory, dump(null, [remote(2, key(2))]), "alert");
    tick(10);
    reset();
    const result = ingestDump(directory, dump(null, [remote(2, key(22))]), "alert");
    expect(result.counts.updated).toBe(1);
    expect(directory.get(2)?.key).toEqual(key(22));
    expect(log.changed[0]).toMatchObject({ status: "changed", key_changed_at: now() });
    reset();
    expect(directory.acceptKey(2)?.status).toBe("ok");
    expect(directory.get(2)?.key).toEqual(key(22));
    expect(log.changed).toHaveLength(1);
    reset();
    directory.acceptKey(2);
    expect(log).toEqual({ changed: [], removed: [], events: [], dirty: 0 });
    expect(directory.acceptKey(0xdead)).toBeUndefined();
  });

  it("pin: keeps the old key until accept_key installs the pending one", () => {
    const { directory, log, reset, tick, now } = setup();
    ingestDump(directory, dump(null, [remote(2, key(2))]), "pin");
    const oldFingerprint = directory.view(2)?.key_fingerprint;
    tick(10);
    const result = ingestDump(directory, dump(null, [remote(2, key(22))]), "pin");
    expect(result.counts).toMatchObject({ updated: 0, pinned: 1 });
    expect(directory.view(2)).toMatchObject({ status: "changed", key_fingerprint: oldFingerprint });
    expect(directory.get(2)?.key).toEqual(key(2));
    tick(10);
    reset();
    const view = directory.acceptKey(2);
    expect(view).toMatchObject({ status: "ok", key_changed_at: now() });
    expect(view?.key_fingerprint).not.toBe(oldFingerprint);
    expect(directory.get(2)).toMatchObject({ key: key(22), pendingKey: null, changed: false });
    expect(log.changed).toHaveLength(1);
    expect(log.dirty).toBe(1);
  });

  it("load() restores records and statuses without events", () => {
    const { directory } = setup();
    ingestDump(directory, dump(null, [remote(1, key(1)), remote(2, key(1)), remote(3, null)]), "alert");
    const other = setup();
    other.directory.load(directory.snapshot());
    expect(other.directory.list()).toEqual(directory.list());
    expect(other.log).toEqual({ changed: [], removed: [], events: [], dirty: 0 });
  });
});
