// The bridge as a process: a clean stop on SIGTERM and SIGHUP (exit 0, `offline` published, the key
// directory flushed) and a crash (SIGKILL: the broker publishes the will).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { SimRadio } from "../../src/sim/index.js";
import { Mosquitto } from "../helpers/mosquitto.js";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";
import { assertBuilt, start } from "./run.js";
import { loadOnce } from "../helpers/store.js";

const BASE = "keysync-lifecycle";
let mosquitto: Mosquitto;
let sim: SimRadio;
beforeAll(async () => {
  assertBuilt();
  mosquitto = await Mosquitto.start();
  sim = new SimRadio({ port: 0, nodes: 40 });
  await sim.start();
});
afterAll(async () => {
  await sim.stop();
  await mosquitto.stop();
});
const observers: Observer[] = [];
afterEach(async () => {
  for (const o of observers.splice(0)) await o.close();
});

function configDir(): { dir: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), "keysync-cli-"));
  const store = join(dir, "keys.json");
  writeFileSync(
    join(dir, "config.yaml"),
    [`radio: {host: 127.0.0.1, port: ${sim.address.port}}`, `mqtt: {server: "${mosquitto.url}", base_topic: ${BASE}}`, `store: {path: "${store}"}`, ""].join("\n"),
  );
  return { dir, store };
}

async function startBridge(): Promise<{ child: ReturnType<typeof start>["child"]; finished: ReturnType<typeof start>["finished"]; observer: Observer; store: string; instance: string }> {
  const { dir, store } = configDir();
  const observer = await Observer.connect(mosquitto.url, [`${BASE}/#`]);
  observers.push(observer);
  const mark = observer.mark();
  const { child, finished } = start([], { cwd: dir });
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1, mark);
  const online = await observer.next(`${BASE}/bridge/state`, (t) => t.includes('"online"'), mark);
  const { instance } = json(online.text) as { instance: string };
  return { child, finished, observer, store, instance };
}

describe("the bridge process", () => {
  // SIGHUP: a closed terminal, or a service manager's stop; it used to kill the bridge (exit 129) without a flush.
  it.each(["SIGTERM", "SIGHUP"] as const)("%s: publishes offline, flushes the key directory and exits 0", async (signal) => {
    const { child, finished, observer, store, instance } = await startBridge();
    // A node learned right before the signal must reach the file: the debounce can't lose it.
    const [fresh] = sim.addNodesSilently(1);
    const mark = observer.mark();
    await publishOnce(mosquitto.url, `${BASE}/bridge/request/sync`, "");
    await observer.next(`${BASE}/bridge/response/sync`, () => true, mark);
    const signalled = Date.now();
    child.kill(signal);
    const result = await finished;
    expect(result.code, result.stderr).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(10_000);
    await observer.next(`${BASE}/bridge/state`, (t) => t === JSON.stringify({ state: "offline", instance }), mark);
    // Snapshot and journal, read as the next start reads them.
    const { records } = await loadOnce(store);
    const saved = records.find((n) => n.num === fresh!.num);
    expect(saved?.key).toEqual(Uint8Array.from(fresh!.publicKey!));
    expect(records).toHaveLength(sim.nodes.size + 1);
  });

  it("SIGKILL: the broker publishes the will, {\"state\":\"offline\"} with the instance that was online", async () => {
    const { child, finished, observer, instance } = await startBridge();
    const mark = observer.mark();
    child.kill("SIGKILL");
    await finished;
    const will = await observer.next(`${BASE}/bridge/state`, () => true, mark);
    expect(json(will.text)).toEqual({ state: "offline", instance });
  });
});
