import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile, lstat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore, StorePathError, StoreUnsavedError, StoreVersionError } from "../../src/directory/store.js";
import { serializeRecords, STORE_VERSION } from "../../src/directory/store-format.js";
import { ManualClock, flush as settle } from "../helpers/clock.js";
import { dump, ingestDump, key, parseDoc, record, remote } from "./util.js";
import { loadOnce, readBack } from "../helpers/store.js";

let dir: string;
let path: string;
const stores: KeyStore[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keysync-store-"));
  path = join(dir, "keys.json");
});
afterEach(async () => {
  for (const store of stores.splice(0)) await store.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

function directory(): KeyDirectory {
  return new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
}

/** A directory filled from the store at `path`, persisting into it. */
async function open(options: Partial<ConstructorParameters<typeof KeyStore>[0]> = {}): Promise<{ store: KeyStore; dir: KeyDirectory }> {
  const store = new KeyStore({ path, batchMs: 0, ...options });
  stores.push(store);
  const d = directory();
  d.load((await store.load()).records);
  d.useJournal(store);
  store.start(d);
  return { store, dir: d };
}

/** Resolves on the next successful or failed write. */
function nextWrite(store: KeyStore): Promise<Error | null> {
  return new Promise((resolve) => {
    const ok = (): void => done(null);
    const bad = (error: Error): void => done(error);
    const done = (result: Error | null): void => {
      store.off("written", ok);
      store.off("writeFailed", bad);
      resolve(result);
    };
    store.on("written", ok);
    store.on("writeFailed", bad);
  });
}

async function reload(): Promise<KeyDirectory> {
  const d = directory();
  d.load((await readBack(path)).records);
  return d;
}

const journalLines = async (): Promise<string[]> => (await readFile(`${path}.journal`, "utf8")).split("\n").filter((l) => l !== "");

describe("KeyStore", () => {
  it("a missing file loads empty; memory-only mode never writes", async () => {
    expect(await loadOnce(path)).toEqual({ records: [], settings: {}, warning: null, movedTo: null, keptAside: [], skipped: { nodes: 0, lines: 0 } });
    const memory = new KeyStore({ path: null });
    const dirA = directory();
    memory.start(dirA);
    dirA.useJournal(memory);
    ingestDump(dirA, dump(null, [remote(1, key(1))]), "alert");
    await memory.stop();
    expect(await readdir(dir)).toEqual([]);
  });

  it("announces a change only once it is on disk, and what it announced loads back", async () => {
    const { store, dir: d } = await open();
    await store.flush(); // the first start writes a snapshot and a journal
    const announced: string[] = [];
    d.on("nodeChanged", (view) => announced.push(view.id));
    const written = nextWrite(store);
    ingestDump(d, dump(remote(1, key(1)), [remote(2, key(2), { lastHeard: 5 }), remote(3, null)]), "pin");
    expect(announced).toEqual([]); // state changed, nothing said yet
    expect(d.list()).toEqual([]); // the read side shows what was announced
    expect(d.get(2)?.key).toEqual(key(2)); // the rules see the new state at once
    expect(await written).toBeNull();
    await d.lastChangeAnnounced();
    expect(announced).toEqual(["!00000001", "!00000002", "!00000003"]);
    expect((await journalLines()).slice(1).map((l) => (JSON.parse(l) as { node: { num: number } }).node.num)).toEqual([1, 2, 3]);

    ingestDump(d, dump(null, [remote(2, key(22))]), "pin");
    await d.lastChangeAnnounced();
    const after = await reload();
    expect(after.get(2)).toMatchObject({ key: key(2), pendingKey: key(22), source: "store", origin: "nodedb", lastSeen: 5 });
    expect(after.list().map((v) => [v.id, v.key_source, v.status])).toEqual([
      ["!00000001", "store", "ok"],
      ["!00000002", "store", "changed"],
      ["!00000003", null, "missing"],
    ]);
  });

  it("batches: a burst of changes costs one append and one fsync; forget is journaled too", async () => {
    const clock = new ManualClock();
    const { store, dir: d } = await open({ clock, batchMs: 30 });
    await store.flush();
    await clock.advance(30);
    let writes = 0;
    store.on("written", () => writes++);
    ingestDump(d, dump(null, [remote(1, key(1))]), "alert");
    await d.lastChangeAnnounced(); // the first batch after a quiet spell goes at once
    for (let n = 2; n <= 6; n++) ingestDump(d, dump(null, [remote(n, key(n))]), "alert");
    d.forget(1);
    await settle();
    expect(writes).toBe(1); // the rest waits for the batch window
    await clock.advance(30);
    await d.lastChangeAnnounced();
    expect(writes).toBe(2);
    const lines = (await journalLines()).slice(1).map((l) => JSON.parse(l) as { node?: { num: number }; forget?: number });
    // Each one-node dump is a complete dump: node 1 also left the radio (in_radio) before its
    // forget, so its line sits where it first changed in this batch.
    expect(lines.map((l) => l.node?.num ?? `-${l.forget}`).sort()).toEqual([1, 2, 3, 4, 5, 6, "-1"].sort());
    expect((await reload()).list().map((v) => v.num)).toEqual([2, 3, 4, 5, 6]);
  });

  it("a change nobody announces (lastSeen) waits for the lazy interval", async () => {
    const clock = new ManualClock();
    const { store, dir: d } = await open({ clock, lazyMs: 5000 });
    ingestDump(d, dump(null, [remote(1, key(1), { lastHeard: 10 })]), "alert");
    await d.lastChangeAnnounced();
    let writes = 0;
    store.on("written", () => writes++);
    const announced: string[] = [];
    d.on("nodeChanged", (view) => announced.push(view.id));
    ingestDump(d, dump(null, [remote(1, key(1), { lastHeard: 20 })]), "alert");
    await clock.advance(4000);
    expect(writes).toBe(0);
    const written = nextWrite(store);
    await clock.advance(1000);
    expect(await written).toBeNull();
    expect(announced).toEqual([]);
    expect((await reload()).get(1)?.lastSeen).toBe(20);
  });

  it("compacts the journal into the snapshot once it outgrows it; the files load the same", async () => {
    const { store, dir: d } = await open({ compactMinBytes: 0 });
    for (let n = 1; n <= 5; n++) {
      ingestDump(d, dump(null, [remote(n, key(n))]), "alert");
      await d.lastChangeAnnounced();
    }
    await store.flush();
    const snapshot = parseDoc(await readFile(path, "utf8"));
    // The journal restarted at a compaction; the snapshot holds what it replaced.
    expect(snapshot.nodes.length + (await journalLines()).length - 1).toBeGreaterThanOrEqual(5);
    expect(snapshot.nodes.length).toBeGreaterThan(0);
    expect((await reload()).list().map((v) => v.num)).toEqual([1, 2, 3, 4, 5]);
  });

  it("a failing write withholds the announcement, reports, retries after delay(attempt), and clears lastError when it works", async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    let failing = true;
    const { store, dir: d } = await open({
      clock,
      retryDelayMs: (attempt) => (delays.push(attempt), 1000 * attempt),
      crashPoint: (point) => {
        if (failing && point === "journal-partial") throw new Error("EIO: simulated disk failure");
      },
    });
    await store.flush();
    const announced: string[] = [];
    d.on("nodeChanged", (view) => announced.push(view.id));
    let recovered = 0;
    store.on("recovered", () => recovered++);
    const failed = nextWrite(store);
    ingestDump(d, dump(null, [remote(7, key(7))]), "alert");
    // toMatch, not toMatchObject({ message: /EIO/ }): a RegExp there matches any string.
    expect((await failed)?.message).toMatch(/EIO/);
    expect(store.lastError?.message).toMatch(/EIO/);
    expect(store.unsaved).toBe(1);
    expect(delays).toEqual([1]);
    // A failed append may leave a torn batch: the retry rewrites the snapshot. Make that fail too.
    const obstacle = `${path}.tmp-${process.pid}`;
    await mkdir(obstacle);
    const again = nextWrite(store);
    await clock.advance(1000);
    expect((await again)?.message).toMatch(/EISDIR|illegal operation/);
    expect(delays).toEqual([1, 2]);
    expect(announced).toEqual([]);
    failing = false;
    await rm(obstacle, { recursive: true });
    const ok = nextWrite(store);
    await clock.advance(2000);
    expect(await ok).toBeNull();
    await d.lastChangeAnnounced();
    expect(announced).toEqual(["!00000007"]);
    expect(store.lastError).toBeNull();
    expect(recovered).toBe(1);
    expect((await reload()).get(7)?.key).toEqual(key(7));
  });

  it("a final write that fails: stop throws, naming how many changed nodes were not saved", async () => {
    let full = false;
    const { store, dir: d } = await open({
      crashPoint: () => {
        if (full) throw new Error("ENOSPC: no space left on device");
      },
    });
    await store.flush();
    full = true;
    const failed = nextWrite(store);
    ingestDump(d, dump(null, [remote(1, key(1)), remote(2, key(2)), remote(3, key(3))]), "alert");
    await failed;
    const error = await store.stop().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnsavedError);
    expect((error as StoreUnsavedError).unsaved).toBe(3);
    expect((error as Error).message).toMatch(/^3 changed nodes of the key directory could not be saved to .*keys\.json: ENOSPC/);
  });

  it("migrates a version-1 file on first start; a file of a newer version is refused and never overwritten", async () => {
    const v1 = JSON.parse(serializeRecords([record(1, key(1)), record(2, null)], 1_700_000_000)) as Record<string, unknown>;
    await writeFile(path, JSON.stringify({ ...v1, version: 1, journal: undefined }));
    const { store, dir: d } = await open();
    expect(d.list().map((v) => v.num)).toEqual([1, 2]);
    await store.flush();
    expect(parseDoc(await readFile(path, "utf8"))).toMatchObject({ version: STORE_VERSION, nodes: [{ num: 1 }, { num: 2 }] });
    expect(await journalLines()).toHaveLength(1);

    await store.stop();
    const future = JSON.stringify({ format: "meshtastic-keysync/keys", version: STORE_VERSION + 1, nodes: [], future: true });
    await writeFile(path, future);
    const error = await loadOnce(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreVersionError);
    expect((error as StoreVersionError).message).toMatch(new RegExp(`version ${STORE_VERSION + 1}.*newer`));
    expect(await readFile(path, "utf8")).toBe(future);
  });

  it("a torn last journal line (a crash mid-append) is dropped; a journal of an older snapshot is ignored", async () => {
    const { store, dir: d } = await open();
    ingestDump(d, dump(null, [remote(1, key(1))]), "alert");
    await d.lastChangeAnnounced();
    await store.stop();
    const journal = await readFile(`${path}.journal`, "utf8");
    await writeFile(`${path}.journal`, `${journal}{"seq":99,"node":{"num":2,"id":"!000`);
    let loaded = await loadOnce(path);
    expect(loaded.records.map((r) => r.num)).toEqual([1]);
    expect(loaded.warning).toBeNull();
    // A journal whose id the snapshot does not name (compaction stopped before replacing it).
    await writeFile(path, serializeRecords([record(5, key(5))], 1, { id: "another", seq: 0 }));
    loaded = await loadOnce(path);
    expect(loaded.records.map((r) => r.num)).toEqual([5]);
  });

  it("a corrupt or truncated snapshot is moved aside with a warning, and the store starts empty", async () => {
    const text = serializeRecords([record(1, key(1)), record(2, key(2))], 1);
    await writeFile(path, text.slice(0, text.length >> 1));
    const clock = new ManualClock(Date.UTC(2026, 10, 27, 4, 30));
    const result = await loadOnce(path, { clock });
    expect(result.records).toEqual([]);
    expect(result.movedTo).toBe(`${path}.corrupt-2026-11-27T04-30-00-000Z`);
    expect(result.warning).toContain("moved it to");
    expect(await readdir(dir)).toEqual(["keys.json.corrupt-2026-11-27T04-30-00-000Z"]);
    await writeFile(path, JSON.stringify({ format: "meshtastic-keysync/keys", version: 2, nodes: [{ num: 1, key: "short" }] }));
    expect((await loadOnce(path)).warning).toMatch(/nodes\[0\]/);
  });

  it("writes through a symlinked store.path to its target; the link stays a link", async () => {
    const volume = join(dir, "volume");
    await mkdir(volume);
    const target = join(volume, "keys.json");
    await writeFile(target, serializeRecords([record(1, key(1))], 1));
    await symlink(target, path);
    const { store, dir: d } = await open({ compactMinBytes: 0 });
    ingestDump(d, dump(null, [remote(2, key(2))]), "alert");
    await d.lastChangeAnnounced();
    await store.stop();
    expect((await lstat(path)).isSymbolicLink()).toBe(true);
    expect(parseDoc(await readFile(target, "utf8")).version).toBe(STORE_VERSION);
    expect((await readdir(volume)).sort()).toEqual(["keys.json", "keys.json.journal"]);
    expect((await reload()).list().map((v) => v.num)).toEqual([1, 2]);
  });

  it("store.path naming a directory, or a file in a missing directory, is refused at load", async () => {
    await expect(loadOnce(dir)).rejects.toThrow(StorePathError);
    await expect(loadOnce(dir)).rejects.toThrow(/is a directory/);
    await expect(loadOnce(join(dir, "missing", "keys.json"))).rejects.toThrow(/does not exist/);
  });

  it("removes temp files left by a dead writer when loading", async () => {
    await writeFile(path, serializeRecords([], 1));
    await writeFile(`${path}.tmp-999999999`, "{partial");
    await writeFile(`${path}.journal.tmp-999999998`, "{partial");
    await loadOnce(path);
    expect(await readdir(dir)).toEqual(["keys.json"]);
  });
});
