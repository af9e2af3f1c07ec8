import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore, StoreVersionError } from "../../src/directory/store.js";
import type { Clock } from "../../src/timing/clock.js";
import { dump, ingestDump, key, parseDoc, remote } from "./util.js";

/** A clock whose waits are ended by hand: the debounce is tested without sleeping. */
class ManualTimers implements Clock {
  pending = new Map<number, { resolve: () => void; ms: number }>();
  private next = 1;
  now(): number {
    return Date.now();
  }
  sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.next++;
      this.pending.set(handle, { resolve, ms });
      // An aborted wait is gone, as a cleared timer would be.
      signal.addEventListener("abort", () => {
        this.pending.delete(handle);
        resolve();
      }, { once: true });
    });
  }
  fireAll(): void {
    const due = [...this.pending.values()];
    this.pending.clear();
    for (const { resolve } of due) resolve();
  }
}

let dir: string;
let path: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keysync-store-"));
  path = join(dir, "keys.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function directory(): KeyDirectory {
  return new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
}

/** Resolves on the next successful or failed write. */
function nextWrite(store: KeyStore): Promise<Error | null> {
  return new Promise((resolve) => {
    store.once("written", () => resolve(null));
    store.once("writeFailed", (error) => resolve(error));
  });
}

describe("KeyStore", () => {
  it("a missing file loads empty; memory-only mode never writes", async () => {
    expect(await new KeyStore({ path }).load()).toEqual({ records: [], warning: null, movedTo: null });
    const memory = new KeyStore({ path: null });
    const dirA = directory();
    memory.attach(dirA);
    ingestDump(dirA, dump(null, [remote(1, key(1))]), "alert");
    await memory.flush();
    expect(await readdir(dir)).toEqual([]);
  });

  it("round-trips the directory; stored keys come back as source store, confirmed keys upgrade", async () => {
    const store = new KeyStore({ path });
    const before = directory();
    store.attach(before);
    ingestDump(before, dump(remote(1, key(1)), [remote(2, key(2), { lastHeard: 5 }), remote(3, null)]), "pin");
    ingestDump(before, dump(null, [remote(2, key(22))]), "pin");
    await store.flush();

    const doc = parseDoc(await readFile(path, "utf8"));
    expect(doc).toMatchObject({ format: "meshtastic-keysync/keys", version: 2 });
    expect(doc.nodes[1]).toMatchObject({ num: 2, key: Buffer.from(key(2)).toString("base64"), source: "nodedb", changed: true });
    expect(doc.nodes[1]?.pending_key).toBe(Buffer.from(key(22)).toString("base64"));

    const loaded = await new KeyStore({ path }).load();
    const after = directory();
    after.load(loaded.records);
    expect(after.get(2)).toMatchObject({ key: key(2), pendingKey: key(22), source: "store", origin: "nodedb", lastSeen: 5 });
    expect(after.list().map((v) => [v.id, v.key_source, v.status])).toEqual([
      ["!00000001", "store", "ok"],
      ["!00000002", "store", "changed"],
      ["!00000003", null, "missing"],
    ]);
    const changed: string[] = [];
    after.on("nodeChanged", (view) => changed.push(`${view.id}:${view.key_source}`));
    ingestDump(after, dump(null, [remote(1, key(1)), remote(2, key(2))]), "pin");
    expect(changed).toEqual(["!00000001:nodedb", "!00000002:nodedb"]);
  });

  it("debounces: many changes, one write when the timer fires; nothing written when nothing changed", async () => {
    const timers = new ManualTimers();
    const store = new KeyStore({ path, clock: timers, debounceMs: 2500 });
    const dirA = directory();
    store.attach(dirA);
    ingestDump(dirA, dump(null, [remote(1, key(1))]), "alert");
    ingestDump(dirA, dump(null, [remote(2, key(2))]), "alert");
    ingestDump(dirA, dump(null, [remote(2, key(2))]), "alert"); // no change
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([2500]);
    expect(await readdir(dir)).toEqual([]);
    const written = nextWrite(store);
    timers.fireAll();
    expect(await written).toBeNull();
    expect(parseDoc(await readFile(path, "utf8")).nodes).toHaveLength(2);
    expect(timers.pending.size).toBe(0);
    let writes = 0;
    store.on("written", () => writes++);
    await store.flush();
    expect(writes).toBe(0);
  });

  it("a failing write keeps the old file, reports, and retries by itself with a growing delay, or on the next change or flush", async () => {
    const timers = new ManualTimers();
    const store = new KeyStore({ path, clock: timers });
    const dirA = directory();
    store.attach(dirA);
    ingestDump(dirA, dump(null, [remote(1, key(1))]), "alert");
    await store.flush();
    const good = await readFile(path, "utf8");

    // Occupy the temp file's name with a directory: open(tmp, "w") fails (EISDIR), even as root.
    const obstacle = `${path}.tmp-${process.pid}`;
    await mkdir(obstacle);
    ingestDump(dirA, dump(null, [remote(2, key(2))]), "alert");
    await expect(store.flush()).rejects.toThrow(/EISDIR|illegal operation/);
    expect(store.lastError).not.toBeNull();
    expect(await readFile(path, "utf8")).toBe(good);

    // A background write reports through "writeFailed" rather than throwing.
    ingestDump(dirA, dump(null, [remote(3, key(3))]), "alert");
    const failed = nextWrite(store);
    timers.fireAll();
    expect(await failed).toBeInstanceOf(Error);
    expect(await readFile(path, "utf8")).toBe(good);
    // It retries by itself, with a growing delay rather than in a loop.
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([2000]);
    const again = nextWrite(store);
    timers.fireAll();
    expect(await again).toBeInstanceOf(Error);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([4000]);

    await rm(obstacle, { recursive: true });
    await store.flush();
    expect(store.lastError).toBeNull();
    expect(parseDoc(await readFile(path, "utf8")).nodes.map((n) => n.num)).toEqual([1, 2, 3]);
  });

  it("a corrupt or truncated file is moved aside with a warning, and the store starts empty", async () => {
    const good = new KeyStore({ path });
    const dirA = directory();
    good.attach(dirA);
    ingestDump(dirA, dump(null, [remote(1, key(1)), remote(2, key(2))]), "alert");
    await good.flush();
    const text = await readFile(path, "utf8");
    await writeFile(path, text.slice(0, text.length >> 1));

    const store = new KeyStore({ path, nowMs: () => Date.UTC(2026, 10, 27, 4, 30) });
    const result = await store.load();
    expect(result.records).toEqual([]);
    expect(result.movedTo).toBe(`${path}.corrupt-2026-11-27T04-30-00-000Z`);
    expect(result.warning).toContain("moved it to");
    expect(await readFile(result.movedTo as string, "utf8")).toBe(text.slice(0, text.length >> 1));
    expect(await readdir(dir)).toEqual(["keys.json.corrupt-2026-11-27T04-30-00-000Z"]);
  });

  it("a file with a wrong shape counts as corrupt too", async () => {
    await writeFile(path, JSON.stringify({ format: "meshtastic-keysync/keys", version: 1, nodes: [{ num: 1, key: "short" }] }));
    const result = await new KeyStore({ path }).load();
    expect(result.warning).toMatch(/nodes\[0\]/);
  });

  it("a newer-version file is refused with StoreVersionError and never overwritten", async () => {
    const text = JSON.stringify({ format: "meshtastic-keysync/keys", version: 3, nodes: [], future: true });
    await writeFile(path, text);
    const store = new KeyStore({ path });
    const error = await store.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreVersionError);
    expect((error as StoreVersionError).message).toMatch(/version 3.*newer/);
    const dirA = directory();
    store.attach(dirA);
    ingestDump(dirA, dump(null, [remote(1, key(1))]), "alert");
    await expect(store.flush()).rejects.toBeInstanceOf(StoreVersionError);
    expect(await readFile(path, "utf8")).toBe(text);
    expect(await readdir(dir)).toEqual(["keys.json"]);
  });

  it("removes temp files left by a dead writer when loading", async () => {
    await writeFile(path, JSON.stringify({ format: "meshtastic-keysync/keys", version: 1, nodes: [] }));
    await writeFile(`${path}.tmp-999999999`, "{partial");
    await new KeyStore({ path }).load();
    expect(await readdir(dir)).toEqual(["keys.json"]);
  });
});
