// Settings that stick (the whole bridge in-process, a real aedes broker, a real MQTT.js
// client): interval and enabled set over MQTT are restored after a restart on the same store,
// unless the config file or the environment changed that setting since; bridge/info.settings
// says where each value came from. Demo mode keeps nothing, and a store that cannot be written
// answers the command with an error and applies nothing.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startApp } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { startRig, type Rig } from "../helpers/app.js";
import { Observer } from "../helpers/mqtt.js";
import { readBack } from "../helpers/store.js";

const BASE = "meshtastic-keysync";
const INFO = `${BASE}/bridge/info`;
const STATS = `${BASE}/sync/stats`;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "keysync-settings-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface Settings {
  interval: { value: number; source: string };
  enabled: { value: boolean; source: string };
}

interface Running {
  rig: Rig;
  observer: Observer;
  /** Stops the observer and the bridge (once; the test's cleanup does it otherwise). */
  stop(): Promise<void>;
}

/** A bridge on the folder `dir` (its config.yaml written from `config`) and an observer of its info, stats, nodes and responses. */
async function bridge(dir: string, config: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}, prepare?: (paths: { storePath: string }) => void): Promise<Running> {
  const rig = await startRig({ log_level: "info", ...config }, { dir, env, ...(prepare ? { prepare } : {}) });
  const observer = await Observer.connect(rig.mqttUrl, [INFO, STATS, `${BASE}/bridge/response/#`, `${BASE}/nodes/+`]);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= observer.close().then(() => rig.stop()));
  cleanups.push(stop);
  return { rig, observer, stop };
}

const settingsIn = (text: string): Settings => (JSON.parse(text) as { settings: Settings }).settings;

/** bridge/info's settings once they match `want` (the retained one counts). */
async function infoSettings(observer: Observer, want: (s: Settings) => boolean = () => true, since = 0): Promise<Settings> {
  return settingsIn((await observer.next(INFO, (t) => want(settingsIn(t)), since)).text);
}

async function request(observer: Observer, command: string, payload: string): Promise<{ status: string; error?: string; data: unknown }> {
  const mark = observer.mark();
  await observer.client.publishAsync(`${BASE}/bridge/request/${command}`, payload, { qos: 1 });
  const answer = await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark);
  return JSON.parse(answer.text) as { status: string; error?: string; data: unknown };
}

describe("settings set over MQTT", () => {
  it("are on disk when acknowledged, restored after a restart (source mqtt), and an edited file's interval wins while enabled keeps its MQTT value", async () => {
    const dir = scratch();
    const first = await bridge(dir);
    expect(await infoSettings(first.observer)).toEqual({ interval: { value: 300, source: "default" }, enabled: { value: true, source: "default" } });
    expect(await request(first.observer, "interval", '{"value": 600}')).toMatchObject({ status: "ok", data: { value: 600 } });
    // Durable before acknowledged: another reader of the store already sees it.
    expect((await readBack(first.rig.storePath)).settings).toMatchObject({ interval: { value: 600 } });
    expect(await request(first.observer, "enabled", "OFF")).toMatchObject({ status: "ok", data: { value: false } });
    const announced = await infoSettings(first.observer, (s) => s.enabled.source === "mqtt");
    expect(announced).toEqual({ interval: { value: 600, source: "mqtt" }, enabled: { value: false, source: "mqtt" } });
    await first.stop();

    const second = await bridge(dir);
    expect(await infoSettings(second.observer)).toEqual({ interval: { value: 600, source: "mqtt" }, enabled: { value: false, source: "mqtt" } });
    const stats = JSON.parse((await second.observer.next(STATS)).text) as { interval: number; enabled: boolean; next_sync: number | null };
    expect([stats.interval, stats.enabled, stats.next_sync]).toEqual([600, false, null]);
    await second.rig.logged("interval 600 set over MQTT restored");
    await second.stop();

    // The file now names an interval: it wins, and the override is gone for good.
    const third = await bridge(dir, { sync: { interval: 900 } });
    expect(await infoSettings(third.observer)).toEqual({ interval: { value: 900, source: "file" }, enabled: { value: false, source: "mqtt" } });
    expect(JSON.parse((await third.observer.next(STATS)).text)).toMatchObject({ interval: 900, enabled: false });
    await third.rig.logged("interval 600 set over MQTT was dropped");
    await third.stop();

    // The line removed again: the default, not the dropped MQTT value.
    const fourth = await bridge(dir);
    expect(await infoSettings(fourth.observer)).toEqual({ interval: { value: 300, source: "default" }, enabled: { value: false, source: "mqtt" } });
  });

  it("an environment variable set since wins (source env), while the other setting keeps its MQTT value", async () => {
    const dir = scratch();
    const first = await bridge(dir, { sync: { interval: 450 } });
    expect(await request(first.observer, "interval", "600")).toMatchObject({ status: "ok" });
    expect(await request(first.observer, "enabled", "false")).toMatchObject({ status: "ok" });
    await first.stop();

    const second = await bridge(dir, { sync: { interval: 450 } }, { MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "1200" });
    expect(await infoSettings(second.observer)).toEqual({ interval: { value: 1200, source: "env" }, enabled: { value: false, source: "mqtt" } });
    expect(JSON.parse((await second.observer.next(STATS)).text)).toMatchObject({ interval: 1200, enabled: false });
    // Set over MQTT again, under the environment's value: that one is what it overrides now.
    expect(await request(second.observer, "interval", "700")).toMatchObject({ status: "ok" });
    await second.stop();
    const third = await bridge(dir, { sync: { interval: 450 } }, { MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "1200" });
    expect((await infoSettings(third.observer)).interval).toEqual({ value: 700, source: "mqtt" });
  });

  it("a store that cannot be written: the command answers an error, nothing is applied or announced, and a restart has the old value", async () => {
    const dir = scratch();
    let obstacle = "";
    // The temp file's name taken by a directory: every snapshot write fails (EISDIR), even as root.
    const first = await bridge(dir, {}, {}, ({ storePath }) => {
      obstacle = `${storePath}.tmp-${process.pid}`;
      mkdirSync(obstacle);
    });
    await first.rig.logged("could not write the key directory");
    const answer = await request(first.observer, "interval", "600");
    expect(answer.status).toBe("error");
    expect(answer.error).toMatch(/^interval not changed \(still 300\): it could not be saved to .*keys\.json: .*(EISDIR|illegal operation)/);
    expect(await request(first.observer, "enabled", "false")).toMatchObject({ status: "error" });
    expect(first.observer.on(INFO).map((m) => settingsIn(m.text).interval.source)).not.toContain("mqtt");
    expect(JSON.parse((first.observer.on(STATS).at(-1) as { text: string }).text)).toMatchObject({ interval: 300, enabled: true });
    expect(await request(first.observer, "stats", "")).toMatchObject({ data: { interval: 300, enabled: true } });

    // The disk comes back: the store catches up, and the setting can be made now.
    rmSync(obstacle, { recursive: true });
    await first.observer.next(`${BASE}/nodes/${first.rig.sim.nodes.values().next().value!.id}`);
    expect(await request(first.observer, "enabled", "false")).toMatchObject({ status: "ok" });
    await first.stop();
    const second = await bridge(dir);
    expect(await infoSettings(second.observer)).toEqual({ interval: { value: 300, source: "default" }, enabled: { value: false, source: "mqtt" } });
  });

  it("a store of the previous format loads its nodes and then keeps settings", async () => {
    const dir = scratch();
    const fixture = join(import.meta.dirname, "../fixtures/store/v3");
    const first = await bridge(dir, {}, {}, ({ storePath }) => {
      cpSync(join(fixture, "keys.json"), storePath);
      cpSync(join(fixture, "keys.json.journal"), `${storePath}.journal`);
    });
    // Node 0x44 exists only in the old journal; 0x22 was forgotten there.
    const node = JSON.parse((await first.observer.next(`${BASE}/nodes/!00000044`)).text) as { has_key: boolean; key_source: string };
    expect(node).toMatchObject({ has_key: true, key_source: "store" });
    expect(first.observer.on(`${BASE}/nodes/!00000022`)).toEqual([]);
    expect(await request(first.observer, "interval", "900")).toMatchObject({ status: "ok" });
    await first.stop();
    const second = await bridge(dir);
    expect((await infoSettings(second.observer)).interval).toEqual({ value: 900, source: "mqtt" });
    await second.observer.next(`${BASE}/nodes/!00000044`);
  });
});

describe("demo mode", () => {
  it("applies a setting and keeps nothing: after a restart the default is back, and no file was written", async () => {
    const cwd = scratch();
    const start = async (): Promise<{ observer: Observer; stop: () => Promise<void> }> => {
      const loaded = loadConfig({ env: { MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: "0" }, cwd });
      expect(loaded.source).toBe("demo");
      const logger = createLogger("warn", { format: "json", destination: { write: () => undefined } });
      const app = await startApp(loaded.config, { logger, demo: true, configPath: null, sources: loaded.sources });
      const observer = await Observer.connect(app.addresses.mqtt, [INFO, `${BASE}/bridge/response/#`]);
      let stopping: Promise<void> | null = null;
      const stop = (): Promise<void> => (stopping ??= observer.close().then(() => app.stop()));
      cleanups.push(stop);
      return { observer, stop };
    };
    const first = await start();
    expect(await request(first.observer, "interval", "600")).toMatchObject({ status: "ok" });
    expect((await infoSettings(first.observer, (s) => s.interval.source === "mqtt")).interval.value).toBe(600);
    await first.stop();
    const second = await start();
    expect(await infoSettings(second.observer)).toEqual({ interval: { value: 300, source: "default" }, enabled: { value: true, source: "default" } });
    await second.stop();
    expect(readdirSync(cwd)).toEqual([]);
  });
});
