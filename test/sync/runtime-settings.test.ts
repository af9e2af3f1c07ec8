// RuntimeSettings over a real key store in a temp folder: a setting is on disk before save()
// resolves, a failed write changes nothing, and an override the configuration replaced is
// removed from the files at start.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore, type KeyStoreOptions } from "../../src/directory/store.js";
import { RuntimeSettings } from "../../src/sync/runtime-settings.js";
import type { ConfiguredSettings } from "../../src/sync/settings.js";
import { readBack } from "../helpers/store.js";

let dir: string;
let path: string;
const cleanups: (() => Promise<unknown>)[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keysync-settings-"));
  path = join(dir, "keys.json");
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const configured: ConfiguredSettings = { interval: { value: 300, source: "default" }, enabled: { value: true, source: "default" } };

/** A started store at `storePath` and the settings over it, as app.ts builds them. */
async function open(c: ConfiguredSettings = configured, options: Partial<KeyStoreOptions> = {}, storePath: string | null = path): Promise<{ store: KeyStore; settings: RuntimeSettings }> {
  const store = new KeyStore({ path: storePath, batchMs: 0, ...options });
  const loaded = await store.load();
  store.start(new KeyDirectory({ now: () => 1, weakHashes: new Set() }));
  const settings = new RuntimeSettings({ configured: c, loaded: loaded.settings, store });
  settings.start();
  cleanups.push(() => store.stop(), () => settings.stop());
  return { store, settings };
}

const savedOnDisk = async (): Promise<object> => (await readBack(path)).settings;

describe("RuntimeSettings", () => {
  it("save resolves once the value is on disk; the next start restores it as mqtt", async () => {
    const { settings } = await open();
    // Both at once: each save starts from what the one before left.
    await Promise.all([settings.save("interval", 600), settings.save("enabled", false)]);
    expect(settings.effective).toEqual({ interval: { value: 600, source: "mqtt" }, enabled: { value: false, source: "mqtt" } });
    expect(await savedOnDisk()).toEqual({
      interval: { value: 600, configured: { value: 300, source: "default" } },
      enabled: { value: false, configured: { value: true, source: "default" } },
    });
    const next = new RuntimeSettings({ configured, loaded: await savedOnDisk() as Record<string, unknown>, store: new KeyStore({ path: null }) });
    expect(next.effective.interval).toEqual({ value: 600, source: "mqtt" });
  });

  it("a write that fails: save rejects naming the value kept and the disk's error; nothing changed, in memory or on disk", async () => {
    let full = false;
    const { settings, store } = await open(configured, {
      retryDelayMs: () => 60_000,
      crashPoint: () => {
        if (full) throw new Error("ENOSPC: no space left on device");
      },
    });
    await settings.save("interval", 600);
    full = true;
    await expect(settings.save("interval", 900)).rejects.toThrow(/^interval not changed \(still 600\): it could not be saved to .*keys\.json: ENOSPC/);
    expect(settings.effective.interval).toEqual({ value: 600, source: "mqtt" });
    expect(await savedOnDisk()).toEqual({ interval: { value: 600, configured: { value: 300, source: "default" } } });
    // A later save works from the state that was kept, and ends the store's trouble (stats'
    // last_error) although the loop's retry is a minute away.
    full = false;
    const recovered = new Promise<void>((resolve) => store.once("recovered", () => resolve()));
    await settings.save("enabled", false);
    await recovered;
    expect(store.lastError).toBeNull();
    expect(await savedOnDisk()).toMatchObject({ interval: { value: 600 }, enabled: { value: false } });
  });

  it("at start, an override the configuration replaced is removed from the files; the untouched one stays", async () => {
    const first = await open();
    await first.settings.save("interval", 600);
    await first.settings.save("enabled", false);
    await first.settings.stop();
    await first.store.stop();
    const edited: ConfiguredSettings = { ...configured, interval: { value: 900, source: "file" } };
    const { settings } = await open(edited);
    expect(settings.effective).toEqual({ interval: { value: 900, source: "file" }, enabled: { value: false, source: "mqtt" } });
    await settings.stop(); // the removal under way is done
    expect(await savedOnDisk()).toEqual({ enabled: { value: false, configured: { value: true, source: "default" } } });
  });

  it("memory only (the demo): in effect at once, never on disk", async () => {
    const { settings } = await open(configured, {}, null);
    await settings.save("interval", 600);
    expect(settings.effective.interval).toEqual({ value: 600, source: "mqtt" });
    expect(await readdir(dir)).toEqual([]);
  });
});
