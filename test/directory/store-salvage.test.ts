// Load what is good (issue 24, findings 7 and 8): one bad journal line or one bad node is
// left out alone, the original file copied aside before the compaction rewrites it; a file
// that is not a key store at all is refused and never moved, written or given a neighbour.
import { mkdir, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore, StoreForeignError, type LoadResult } from "../../src/directory/store.js";
import { journalHeader, journalLine, serializeRecords } from "../../src/directory/store-format.js";
import { useStoreDir } from "./store-dir.js";
import { key, record } from "./util.js";
import { loadOnce, readBack } from "../helpers/store.js";

const files = useStoreDir("keysync-salvage-");

/** Loads and starts the store as the bridge does; resolves after its first write (the compaction). */
async function start(): Promise<{ store: KeyStore; loaded: LoadResult; directory: KeyDirectory }> {
  const store = new KeyStore({ path: files.path, batchMs: 0 });
  const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
  const loaded = await store.load();
  directory.load(loaded.records);
  directory.useJournal(store);
  const written = new Promise<void>((resolve) => store.once("written", () => resolve()));
  store.start(directory);
  await written;
  return { store, loaded, directory };
}

const nums = (records: readonly { num: number }[]): number[] => records.map((r) => r.num).sort((a, b) => a - b);
const aside = async (): Promise<string[]> => (await readdir(files.dir)).filter((n) => n.includes(".corrupt-")).sort();

describe("a damaged key store", () => {
  it("a bad journal line is left out alone: later lines still apply; the journal is kept aside before the compaction", async () => {
    await writeFile(files.path, serializeRecords([record(1, key(1))], 1, { id: "j1", seq: 0 }));
    const journal =
      journalHeader("j1") + journalLine(1, 2, record(2, key(2))) + '{"seq":2,"node":{"num":"garbage"}}\n' + journalLine(3, 3, record(3, key(3))) + journalLine(4, 4, record(4, key(4))) +
      '{"seq":5,"node":{"num":5,"id":"!0000'; // a torn tail: never acknowledged, silent
    await writeFile(`${files.path}.journal`, journal);
    const { store, loaded } = await start();
    expect(nums(loaded.records)).toEqual([1, 2, 3, 4]);
    expect(loaded.skipped).toEqual({ nodes: 0, lines: 1 });
    expect(loaded.warning).toMatch(/journal .*keys\.json\.journal: 1 unreadable entry left out \(line 3: journal\[2\]\.num is invalid\); the other 3 applied; the original journal is kept as .*keys\.json\.journal\.corrupt-/);
    expect(loaded.keptAside).toHaveLength(1);
    expect(await readFile(loaded.keptAside[0]!, "utf8")).toBe(journal);
    await store.stop();
    // The compaction wrote the good entries into the snapshot; the next start is clean.
    expect(nums((await readBack(files.path)).records)).toEqual([1, 2, 3, 4]);
    const again = await loadOnce(files.path);
    expect(again.warning).toBeNull();
    expect(nums(again.records)).toEqual([1, 2, 3, 4]);
    expect(await aside()).toHaveLength(1);
  });

  it("a node with a 31-byte key is left out alone; the others load; the snapshot is kept aside before it is rewritten", async () => {
    const original = serializeRecords([record(1, key(1)), record(2, key(2)), record(3, key(3))], 1).replace(
      Buffer.from(key(2)).toString("base64"),
      Buffer.from(key(2).subarray(0, 31)).toString("base64"),
    );
    await writeFile(files.path, original);
    const { store, loaded } = await start();
    expect(nums(loaded.records)).toEqual([1, 3]);
    expect(loaded.movedTo).toBeNull();
    expect(loaded.skipped).toEqual({ nodes: 1, lines: 0 });
    expect(loaded.warning).toMatch(/keys\.json: 1 unreadable node left out \(nodes\[1\]\.key is not a 32-byte base64 key\); the other 2 loaded; the original file is kept as .*keys\.json\.corrupt-/);
    expect(await readFile(loaded.keptAside[0]!, "utf8")).toBe(original);
    await store.stop();
    const again = await loadOnce(files.path);
    expect(again.warning).toBeNull();
    expect(nums(again.records)).toEqual([1, 3]);
  });

  it("a snapshot of ours unreadable as a whole is still moved aside, its journal with it", async () => {
    const text = serializeRecords([record(1, key(1))], 1, { id: "j1", seq: 0 });
    await writeFile(files.path, text.slice(0, 60));
    await writeFile(`${files.path}.journal`, journalHeader("j1") + journalLine(1, 2, record(2, key(2))));
    const loaded = await loadOnce(files.path);
    expect(loaded.records).toEqual([]);
    expect(loaded.movedTo).toMatch(/keys\.json\.corrupt-/);
    expect(loaded.keptAside).toHaveLength(2);
    expect(await aside()).toEqual([expect.stringMatching(/^keys\.json\.corrupt-/), expect.stringMatching(/^keys\.json\.journal\.corrupt-/)]);
  });
});

describe("a file that is not a key store", () => {
  it("a symlink to a passwd-like file: refused, naming store.path; the file and both folders untouched", async () => {
    const etc = join(files.dir, "etc");
    await mkdir(etc);
    const passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n";
    await writeFile(join(etc, "passwd"), passwd);
    await symlink(join(etc, "passwd"), files.path);
    const error = await loadOnce(files.path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreForeignError);
    expect((error as Error).message).toContain(`${files.path} is not a meshtastic-keysync key store`);
    expect(await readFile(join(etc, "passwd"), "utf8")).toBe(passwd);
    expect(await readdir(etc)).toEqual(["passwd"]);
    expect((await readdir(files.dir)).sort()).toEqual(["etc", "keys.json"]);
  });

  it("another program's JSON, an empty file or binary bytes are refused; a store of ours with its fields reordered is not", async () => {
    for (const foreign of ['{"name": "some other program", "nodes": []}', "", "\u0000\u0001\u0002garbage"]) {
      await writeFile(files.path, foreign);
      await expect(loadOnce(files.path), JSON.stringify(foreign)).rejects.toBeInstanceOf(StoreForeignError);
      expect(await readFile(files.path, "utf8")).toBe(foreign);
      expect(await readdir(files.dir)).toEqual(["keys.json"]);
    }
    const doc = JSON.parse(serializeRecords([record(1, key(1)), record(2, key(2))], 1)) as Record<string, unknown>;
    const { format, ...rest } = doc;
    await writeFile(files.path, JSON.stringify({ ...rest, format }));
    expect(nums((await loadOnce(files.path)).records)).toEqual([1, 2]);
  });
});
