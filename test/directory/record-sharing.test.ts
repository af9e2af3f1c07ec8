// A node's confirmed and radio keys are the held key's own bytes (the same Uint8Array) when
// they are equal to it, and every record has one field layout: whether it was merged from a
// dump, changed by accept_key, or read back from the store's snapshot or journal. Both keep
// the directory's memory per node down (bench row 5).
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { recordOf, type KeyRecord, type NodeView } from "../../src/directory/record.js";
import { KeyStore } from "../../src/directory/store.js";
import { dump, ingestDump, ingestKeySeen, key, parseDoc, remote } from "./util.js";
import { loadOnce } from "../helpers/store.js";

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keysync-sharing-"));
  path = join(dir, "keys.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const LAYOUT = Object.keys(recordOf({} as KeyRecord));

/** A view as the store restores it: the held key's source is "store" until this run confirms it. */
const restored = (view: NodeView): NodeView => ({ ...view, key_source: view.key_source === null ? null : "store" });

function directory(): KeyDirectory {
  return new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
}

async function reload(): Promise<KeyDirectory> {
  const d = directory();
  d.load((await loadOnce(path)).records);
  return d;
}

/** A directory with the usual node (1), a node whose radio kept an old key (2), one without a key (3), an accepted key (4). */
async function filled(): Promise<KeyDirectory> {
  const store = new KeyStore({ path, batchMs: 0 });
  const d = directory();
  d.load((await store.load()).records);
  d.useJournal(store);
  store.start(d);
  ingestDump(d, dump(null, [remote(1, key(1), { traits: 41 }), remote(2, key(2)), remote(3, null), remote(4, key(4))]), "alert");
  // Node 2 re-flashed: its new key heard on the air and accepted; the radio keeps the old one.
  ingestKeySeen(d, { num: 2, publicKey: key(22), via: "nodeinfo" }, "alert");
  d.acceptKey(2);
  ingestKeySeen(d, { num: 4, publicKey: key(44), via: "nodeinfo" }, "alert");
  d.acceptKey(4);
  ingestDump(d, dump(null, [remote(1, key(1)), remote(2, key(2)), remote(3, null), remote(4, key(44))]), "alert");
  await d.lastChangeAnnounced();
  await store.stop();
  return d;
}

function expectShared(d: KeyDirectory): void {
  const [one, two, three, four] = [1, 2, 3, 4].map((n) => d.get(n) as KeyRecord) as [KeyRecord, KeyRecord, KeyRecord, KeyRecord];
  expect(one.key).toEqual(key(1));
  expect(one.confirmedKey).toBe(one.key);
  expect(one.radioKey).toBe(one.key);
  // The radio's traits: a small number in the record's own layout, back from the files too.
  expect([one.traits, two.traits]).toEqual([41, 0]);
  expect(two.key).toEqual(key(22));
  expect(two.confirmedKey).toBe(two.key);
  expect(two.radioKey).toEqual(key(2));
  expect(three).toMatchObject({ key: null, confirmedKey: null, radioKey: null });
  expect(four.key).toEqual(key(44));
  expect(four.confirmedKey).toBe(four.key);
  expect(four.radioKey).toBe(four.key);
  for (const record of [one, two, three, four]) expect(Object.keys(record)).toEqual(LAYOUT);
}

describe("record sharing and layout", () => {
  it("merge and accept_key share the held key's bytes and keep one layout", async () => {
    expectShared(await filled());
  });

  it("survives a reload from the journal, and from the compacted snapshot", async () => {
    const before = await filled();
    const fromJournal = await reload();
    expectShared(fromJournal);
    expect(fromJournal.list()).toEqual(before.list().map(restored));

    // A store that starts on the loaded records compacts them into the snapshot.
    const store = new KeyStore({ path, batchMs: 0, compactMinBytes: 1 });
    const d = directory();
    d.load((await store.load()).records);
    d.useJournal(store);
    store.start(d);
    await store.flush();
    await store.stop();
    expect((parseDoc(await readFile(path, "utf8")).nodes).map((n) => n.num)).toEqual([1, 2, 3, 4]);
    const fromSnapshot = await reload();
    expectShared(fromSnapshot);
    expect(fromSnapshot.list()).toEqual(before.list().map(restored));
  });
});
