// `meshtastic-keysync export`: the key directory as JSON on stdout (snapshot and journal
// folded together), public keys only, and restorable by copying it to store.path.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore } from "../../src/directory/store.js";
import { STORE_VERSION } from "../../src/directory/store-format.js";
import { dump, ingestDump, key, remote } from "../directory/util.js";
import { assertBuilt, run } from "./run.js";
import { loadOnce } from "../helpers/store.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "keysync-export-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store with nodes 1-2 in its snapshot and 3 (with the radio's traits, and 2's pending key) and the settings in its journal only. */
async function writeStore(path: string): Promise<void> {
  const store = new KeyStore({ path, batchMs: 0 });
  const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
  directory.load((await store.load()).records);
  directory.useJournal(store);
  store.start(directory);
  ingestDump(directory, dump(null, [remote(1, key(1)), remote(2, key(2))]), "pin");
  await store.flush(); // the first write after start is a compaction: 1 and 2 in the snapshot
  ingestDump(directory, dump(null, [remote(2, key(22)), remote(3, key(3), { traits: 77 })]), "pin");
  await directory.lastChangeAnnounced();
  await store.saveSettings(SETTINGS);
  await store.stop();
}

const SETTINGS = { interval: { value: 600, configured: { value: 300, source: "default" } } };

interface Exported {
  format: string;
  version: number;
  journal: unknown;
  settings: unknown;
  nodes: { num: number; key: string | null; pending_key: string | null; traits?: number }[];
}

describe("meshtastic-keysync export", () => {
  beforeAll(() => assertBuilt());

  it("prints every node with its public keys, journal included, and the output restores as store.path", async () => {
    const dir = scratch();
    const path = join(dir, "keys.json");
    await writeStore(path);
    const config = join(dir, "config.yaml");
    writeFileSync(config, stringify({ radio: { host: "192.0.2.1" }, store: { path } }));
    const result = await run(["export", "--config", config], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as Exported;
    expect(doc).toMatchObject({ format: "meshtastic-keysync/keys", version: STORE_VERSION, journal: null });
    const b64 = (seed: number): string => Buffer.from(key(seed)).toString("base64");
    expect(doc.nodes.map((n) => [n.num, n.key, n.pending_key])).toEqual([
      [1, b64(1), null],
      [2, b64(2), b64(22)],
      [3, b64(3), null],
    ]);
    // The radio's traits as the store keeps them (an internal number), so a restore keeps them too.
    expect(doc.nodes.map((n) => n.traits)).toEqual([undefined, undefined, 77]);
    expect(result.stdout).not.toMatch(/private/i);
    expect(doc.settings).toEqual(SETTINGS);

    // Restore: copied to store.path of a new place, beside a journal left from elsewhere.
    const other = scratch();
    const restored = join(other, "keys.json");
    writeFileSync(restored, result.stdout);
    writeFileSync(`${restored}.journal`, `${JSON.stringify({ format: "meshtastic-keysync/journal", version: 2, id: "stale" })}\n`);
    const loaded = await loadOnce(restored);
    expect(loaded.records.map((r) => r.num).sort()).toEqual([1, 2, 3]);
    expect(loaded.records.find((r) => r.num === 2)?.pendingKey).toEqual(key(22));
    expect(loaded.records.find((r) => r.num === 3)?.traits).toBe(77);
    expect(loaded.settings).toEqual(SETTINGS);
  });

  it("without a config file (the demo, keys in memory): exit 2 naming store.path", async () => {
    const dir = scratch();
    const result = await run(["export"], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/config error: store\.path: .*memory only/);
    expect(result.stdout).toBe("");
  });

  it("--help explains backup and restore; an unknown option is a usage error", async () => {
    const dir = scratch();
    const help = await run(["export", "--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: meshtastic-keysync export \[--config FILE\]/);
    const bad = await run(["export", "--nope"], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--nope/);
  });
});
