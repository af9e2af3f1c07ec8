// Format 5: each node's traits (what the radio last reported of its User besides names and
// key, an opaque number here) in the snapshot and the journal, and the migration of a store
// written by the version-4 code (test/fixtures/store/v4): traits unknown, rewritten once.
import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { journalLine, parseJournalLine, parseStore, serializeRecords, STORE_VERSION } from "../../src/directory/store-format.js";
import { readStore } from "../../src/directory/store-read.js";
import { StoreVersionError } from "../../src/directory/store.js";
import { copyOldStore, nodesOf, useStoreDir } from "./store-dir.js";
import { dump, ingestDump, key, record, remote } from "./util.js";
import { loadOnce, readBack } from "../helpers/store.js";

const files = useStoreDir("keysync-store-traits-");
const open = files.open;

const traitsOf = (records: { num: number; traits: number }[]): [number, number][] => records.map((r): [number, number] => [r.num, r.traits]).sort((a, b) => a[0] - b[0]);

describe("traits in the store files", () => {
  it("round-trip through the snapshot and a journal line; nothing known (0) is left out of the file", () => {
    const text = serializeRecords([record(1, key(1), { traits: 0x2b | (2 << 12) }), record(2, null, { traits: 5 }), record(3, key(3))], 1);
    const doc = JSON.parse(text) as { version: number; nodes: Record<string, unknown>[] };
    expect(doc.version).toBe(STORE_VERSION);
    expect(STORE_VERSION).toBeGreaterThanOrEqual(5);
    expect(doc.nodes.map((n) => n.traits)).toEqual([0x2b | (2 << 12), 5, undefined]);
    expect(traitsOf(parseStore(text, "keys.json"))).toEqual([[1, 0x2b | (2 << 12)], [2, 5], [3, 0]]);

    const line = parseJournalLine(journalLine(7, 1, record(1, key(1), { traits: 99 })));
    expect(line).toMatchObject({ seq: 7, node: { num: 1, traits: 99 } });
  });

  it("a bad traits value makes the file corrupt, like any broken field", () => {
    for (const bad of ["-1", '"router"', "1.5", "null"]) {
      const text = serializeRecords([record(1, key(1), { traits: 3 })], 1).replace('"traits": 3', `"traits": ${bad}`);
      expect(() => parseStore(text, "k"), bad).toThrow(/nodes\[0\]\.traits is invalid/);
    }
  });

  it("are durable with the node: back after a restart from the journal, and from the compacted snapshot", async () => {
    const first = await open();
    ingestDump(first.directory, dump(null, [remote(1, key(1), { traits: 41 }), remote(2, key(2), { traits: null })]), "alert");
    await first.directory.lastChangeAnnounced();
    // Announced means on disk: another reader already sees them, from the journal.
    expect(traitsOf((await readBack(files.path)).records)).toEqual([[1, 41], [2, 0]]);
    ingestDump(first.directory, dump(null, [remote(1, key(1), { traits: 42 }), remote(2, key(2), { traits: null })]), "alert");
    await first.directory.lastChangeAnnounced();
    await first.store.stop();

    const second = await open({ compactMinBytes: 0 });
    expect(traitsOf(second.directory.snapshot())).toEqual([[1, 42], [2, 0]]);
    await second.store.flush();
    await second.store.stop();
    const snapshot = JSON.parse(await readFile(files.path, "utf8")) as { nodes: { num: number; traits?: number }[] };
    expect(snapshot.nodes.map((n) => [n.num, n.traits])).toEqual([[1, 42], [2, undefined]]);
  });
});

describe("a store written by the version-4 code", () => {
  it("loads the nodes that code loaded, with their settings and traits unknown, and is rewritten once as the current version", async () => {
    const expected = copyOldStore(files, 4);
    expect(JSON.parse(await readFile(files.path, "utf8"))).toMatchObject({ version: 4 });
    const { store, directory, settings } = await open();
    const written = new Promise<void>((resolve) => store.once("written", () => resolve()));
    expect(nodesOf(directory.snapshot())).toEqual(expected);
    expect(directory.snapshot().every((r) => r.traits === 0)).toBe(true);
    expect(settings).toEqual({ interval: { value: 600, at: 1_700_000_000 }, enabled: { value: false, at: 1_700_000_100 } });
    // The migration is the first write, before any change: a version-4 bridge now refuses
    // the files rather than drop the traits at its next compaction.
    await written;
    const stored = await readStore(files.path, files.path);
    expect(stored).toMatchObject({ compact: false, applied: 0, settings });
    expect(nodesOf(stored.records)).toEqual(expected);
    expect(JSON.parse(await readFile(files.path, "utf8"))).toMatchObject({ version: STORE_VERSION });
    expect(JSON.parse((await readFile(`${files.path}.journal`, "utf8")).split("\n")[0] ?? "")).toMatchObject({ version: STORE_VERSION });

    // The radio's next dump fills the traits in, durably.
    ingestDump(directory, dump(null, [remote(17, key(17), { traits: 41 })]), "pin");
    await directory.lastChangeAnnounced();
    await store.stop();
    expect(traitsOf((await loadOnce(files.path)).records)).toEqual([[17, 41], [51, 0], [68, 0]]);
  });

  it("a file of a newer version is refused and left untouched, as before", async () => {
    const future = JSON.stringify({ format: "meshtastic-keysync/keys", version: STORE_VERSION + 1, nodes: [] });
    await writeFile(files.path, future);
    await expect(loadOnce(files.path)).rejects.toBeInstanceOf(StoreVersionError);
    expect(await readFile(files.path, "utf8")).toBe(future);
  });
});
