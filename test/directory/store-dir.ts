// A store in a fresh temp folder for each test: its paths, and open(), which loads it into a
// directory and starts it as the bridge does. Every store opened is stopped and the folder
// removed after the test.
import { cpSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { serializeRecords } from "../../src/directory/store-format.js";
import { KeyStore } from "../../src/directory/store.js";

export interface StoreDir {
  readonly dir: string;
  /** The snapshot's path (the journal is `${path}.journal`). */
  readonly path: string;
  open(options?: Partial<ConstructorParameters<typeof KeyStore>[0]>): Promise<{ store: KeyStore; directory: KeyDirectory; settings: object }>;
}

export function useStoreDir(prefix: string): StoreDir {
  const stores: KeyStore[] = [];
  const files = { dir: "", path: "" };
  beforeEach(async () => {
    files.dir = await mkdtemp(join(tmpdir(), prefix));
    files.path = join(files.dir, "keys.json");
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.stop().catch(() => undefined);
    await rm(files.dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return files.dir;
    },
    get path() {
      return files.path;
    },
    async open(options = {}) {
      const store = new KeyStore({ path: files.path, batchMs: 0, ...options });
      stores.push(store);
      const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
      const loaded = await store.load();
      directory.load(loaded.records);
      directory.useJournal(store);
      store.start(directory);
      return { store, directory, settings: loaded.settings };
    },
  };
}

/**
 * Copies the store an older version's code wrote (test/fixtures/store/v<version>) into the
 * test's folder; returns the nodes that code loaded from it (its loaded-nodes.json), to
 * compare with nodesOf() of what this code loads.
 */
export function copyOldStore(files: StoreDir, version: number): unknown[] {
  const fixture = join(import.meta.dirname, `../fixtures/store/v${version}`);
  cpSync(fixture, files.dir, { recursive: true, filter: (src) => !src.endsWith("loaded-nodes.json") });
  return JSON.parse(readFileSync(join(fixture, "loaded-nodes.json"), "utf8")) as unknown[];
}

/** The records as the store file's `nodes` would hold them. */
export function nodesOf(records: Parameters<typeof serializeRecords>[0]): unknown {
  return (JSON.parse(serializeRecords(records, 0)) as { nodes: unknown }).nodes;
}
