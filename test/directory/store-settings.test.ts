// Format 4: the runtime settings kept with the key directory (a snapshot entry and a journal
// line kind), their durability before the caller is answered, and the migration of a store
// written by the version-3 code (test/fixtures/store/v3).
import { cpSync, readFileSync } from "node:fs";
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore, StoreVersionError } from "../../src/directory/store.js";
import { parseSnapshot, serializeRecords, STORE_VERSION } from "../../src/directory/store-format.js";
import { useStoreDir } from "./store-dir.js";
import { dump, ingestDump, key, remote } from "./util.js";
import { readBack } from "../helpers/store.js";

const files = useStoreDir("keysync-store-settings-");
const open = files.open;

const reload = (): ReturnType<typeof readBack> => readBack(files.path);
const journalLines = async (): Promise<Record<string, unknown>[]> =>
  (await readFile(`${files.path}.journal`, "utf8"))
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const SAVED = { interval: { value: 600, configured: { value: 300, source: "file" } } };

describe("settings in the key store", () => {
  it("are durable once saveSettings resolves: a journal line of their own, then the snapshot at compaction", async () => {
    const { store, directory } = await open();
    ingestDump(directory, dump(null, [remote(1, key(1))]), "alert");
    await directory.lastChangeAnnounced();
    await store.saveSettings(SAVED);
    // Read by another store while this one runs: on disk already, in the journal.
    expect((await reload()).settings).toEqual(SAVED);
    const lines = await journalLines();
    expect(lines.at(-1)).toEqual({ seq: lines.length - 1, settings: SAVED });
    expect(parseSnapshot(await readFile(files.path, "utf8"), files.path).settings).toEqual({});
    await store.stop();
    // A compaction carries them into the snapshot; the nodes stay.
    const again = await open({ compactMinBytes: 0 });
    expect(again.settings).toEqual(SAVED);
    ingestDump(again.directory, dump(null, [remote(2, key(2))]), "alert");
    await again.directory.lastChangeAnnounced();
    await again.store.flush();
    const snapshot = parseSnapshot(await readFile(files.path, "utf8"), files.path);
    expect(snapshot.settings).toEqual(SAVED);
    expect(snapshot.records.map((r) => r.num)).toEqual([1, 2]);
  });

  it("the latest line wins; saving none leaves no settings behind", async () => {
    const { store } = await open();
    await store.saveSettings(SAVED);
    await store.saveSettings({ enabled: { value: false, configured: { value: true, source: "default" } } });
    expect((await reload()).settings).toEqual({ enabled: { value: false, configured: { value: true, source: "default" } } });
    await store.saveSettings({});
    expect((await reload()).settings).toEqual({});
    await store.stop();
    expect(serializeRecords([], 1)).not.toContain("settings");
  });

  it("a failed write rejects, and the files keep the settings they had, also after the retry", async () => {
    let full = false;
    const { store } = await open({
      retryDelayMs: () => 1,
      crashPoint: () => {
        if (full) throw new Error("ENOSPC: no space left on device");
      },
    });
    await store.saveSettings(SAVED);
    full = true;
    await expect(store.saveSettings({ interval: { value: 900, configured: { value: 300, source: "file" } } })).rejects.toThrow(/ENOSPC/);
    expect((await reload()).settings).toEqual(SAVED);
    // The disk comes back: the writer rewrites the files (a torn append may lie in the
    // journal), with the settings it had.
    full = false;
    const written = new Promise<void>((resolve) => store.once("written", () => resolve()));
    await written;
    expect((await reload()).settings).toEqual(SAVED);
    expect(parseSnapshot(await readFile(files.path, "utf8"), files.path).settings).toEqual(SAVED);
  });

  it("memory only (demo): saved and returned at once, nothing written", async () => {
    const store = new KeyStore({ path: null });
    expect((await store.load()).settings).toEqual({});
    store.start(new KeyDirectory({ now: () => 1, weakHashes: new Set() }));
    await store.saveSettings(SAVED);
    await store.stop();
    expect(await readdir(files.dir)).toEqual([]);
  });

  it("a settings entry that is not an object makes the snapshot unreadable, like any broken field", () => {
    const text = serializeRecords([], 1).replace('"nodes"', '"settings": [1],\n "nodes"');
    expect(() => parseSnapshot(text, files.path)).toThrow(/settings is not an object/);
  });
});

describe("a store written by the version-3 code", () => {
  const fixture = join(import.meta.dirname, "../fixtures/store/v3");

  it("loads the nodes that code loaded, with no settings, and is rewritten once as the current version", async () => {
    cpSync(fixture, files.dir, { recursive: true, filter: (src) => !src.endsWith("loaded-nodes.json") });
    expect(JSON.parse(await readFile(files.path, "utf8"))).toMatchObject({ version: 3 });
    const expected = JSON.parse(readFileSync(join(fixture, "loaded-nodes.json"), "utf8")) as unknown[];
    const { store, directory, settings } = await open();
    expect(settings).toEqual({});
    const nodesOf = (records: Parameters<typeof serializeRecords>[0]): unknown => (JSON.parse(serializeRecords(records, 0)) as { nodes: unknown }).nodes;
    expect(nodesOf(directory.snapshot())).toEqual(expected);
    // The migration runs at start, before any change: an older bridge now refuses the files
    // rather than read a settings line as a torn one.
    const written = new Promise<void>((resolve) => store.once("written", () => resolve()));
    await written;
    expect(JSON.parse(await readFile(files.path, "utf8"))).toMatchObject({ version: STORE_VERSION });
    expect((await journalLines())[0]).toMatchObject({ version: STORE_VERSION });
    await store.saveSettings(SAVED);
    await store.stop();
    const loaded = await reload();
    expect(nodesOf(loaded.records)).toEqual(expected);
    expect(loaded.settings).toEqual(SAVED);
    expect(STORE_VERSION).toBeGreaterThan(3);
    expect(new StoreVersionError(files.path, STORE_VERSION).message).toMatch(/newer than the version/);
  });
});
