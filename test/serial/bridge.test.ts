// The whole bridge with its radio on radio.serial, over a real pseudo-terminal: what it
// publishes about the radio, a restart, an unplug, and the real 2.7.26 capture.
import { afterEach, describe, expect, it } from "vitest";
import { SimRadio } from "../../src/sim/index.js";
import { Observer, json } from "../helpers/mqtt.js";
import { serveCaptureOnSerial, type SerialReplay } from "../helpers/replay-serial.js";
import { startSerialBridge, type SerialBridge } from "../helpers/serial-bridge.js";

const BASE = "meshtastic-keysync";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Stats {
  sync_count: number;
  nodes_total: number;
  nodes_with_key: number;
}

async function bridgeOn(sim: SimRadio, config: Record<string, unknown> = {}): Promise<{ bridge: SerialBridge; o: Observer }> {
  const bridge = await startSerialBridge((path) => sim.serveSerial(path, { consoleEveryMs: 200 }), config);
  cleanups.push(() => bridge.stop());
  cleanups.push(() => sim.stop());
  const o = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
  cleanups.push(() => o.close());
  return { bridge, o };
}

const connected = (o: Observer, since = 0) => o.next(`${BASE}/radio/state`, (t) => (json(t) as { state: string }).state === "connected", since);

describe("the bridge on a serial radio", () => {
  it("publishes radio.serial and radio.baud in bridge/info, host and port null, and syncs", async () => {
    const sim = new SimRadio({ nodes: 40, idleTimeoutMs: 0 });
    const { bridge, o } = await bridgeOn(sim);
    await connected(o);
    const stats = json((await o.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count >= 1)).text) as Stats;
    // The radio's own node is in the directory too.
    expect(stats.nodes_total).toBe(41);
    expect(stats.nodes_with_key).toBe([...sim.nodes.values()].filter((n) => n.publicKey).length + 1);
    const info = json((await o.next(`${BASE}/bridge/info`, (t) => (json(t) as { radio: { my_node_num: unknown } }).radio.my_node_num !== null)).text) as {
      simulated: boolean;
      radio: Record<string, unknown>;
      config: { radio: Record<string, unknown>; sync: { on_demand_max_per_minute: number } };
    };
    expect(info.simulated).toBe(false);
    expect(info.radio).toEqual({ host: null, port: null, serial: bridge.pair.bridge, baud: 115200, my_node_num: sim.ownNode.num, my_node_id: sim.ownNode.id, firmware: "2.7.26.sim" });
    expect(info.config.radio.serial).toBe(bridge.pair.bridge);
    expect(info.config.sync.on_demand_max_per_minute).toBe(2);
  });

  it("the radio restarts (rebooted): a new handshake, and no key is lost", async () => {
    const sim = new SimRadio({ nodes: 30, idleTimeoutMs: 0 });
    const { o } = await bridgeOn(sim);
    await connected(o);
    const before = json((await o.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count >= 1)).text) as Stats;
    const mark = o.mark();
    sim.restart();
    const restarting = await o.next(`${BASE}/radio/state`, (t) => t.includes("connecting"), mark);
    expect(json(restarting.text)).toEqual({ state: "connecting", reason: "the radio restarted" });
    await connected(o, mark);
    const after = json((await o.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count > before.sync_count, mark)).text) as Stats;
    expect(after.nodes_with_key).toBe(before.nodes_with_key);
    expect(after.nodes_total).toBe(before.nodes_total);
    expect(o.on(`${BASE}/bridge/event`, mark).map((m) => (json(m.text) as { type: string }).type)).not.toContain("key_changed");
    expect(sim.stats.dumps.full).toBe(2);
  });

  it("unplugged: radio/state disconnected with the reason; plugged back in: connected again by itself", async () => {
    const sim = new SimRadio({ nodes: 10, idleTimeoutMs: 0 });
    const { bridge, o } = await bridgeOn(sim);
    await connected(o);
    const mark = o.mark();
    await bridge.pair.unplug();
    const gone = json((await o.next(`${BASE}/radio/state`, (t) => t.includes("disconnected"), mark)).text) as { reason: string };
    expect(gone.reason).toMatch(new RegExp(`^serial device ${bridge.pair.bridge} went away \\(unplugged`));
    const stats = json((await o.next(`${BASE}/sync/stats`, (t) => (json(t) as { last_error: string | null }).last_error !== null, mark)).text) as { last_error: string };
    expect(stats.last_error).toContain("radio disconnected: serial device");
    await bridge.pair.replug();
    sim.serveSerial(bridge.pair.radio);
    await connected(o, mark);
  });
});

describe("the real 2.7.26 capture over serial", () => {
  it("completes a handshake through console text, and the radio's private key appears nowhere in what the bridge publishes or logs", async () => {
    let replay: SerialReplay | null = null;
    const bridge = await startSerialBridge((path) => (replay = serveCaptureOnSerial(path, { consoleEveryMs: 150 })));
    cleanups.push(() => bridge.stop());
    cleanups.push(() => void replay?.line.destroy());
    const o = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
    cleanups.push(() => o.close());
    await connected(o);
    const info = json((await o.next(`${BASE}/bridge/info`, (t) => (json(t) as { radio: { my_node_num: unknown } }).radio.my_node_num !== null)).text) as { radio: Record<string, unknown> };
    expect(info.radio).toMatchObject({ my_node_num: 0xf66afa64, firmware: "2.7.26.54e0d8d", serial: bridge.pair.bridge });
    await o.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count >= 1);
    // The capture's console text comes every 150 ms, so on a fast run the sync can finish first.
    expect(await bridge.logLine('"msg":"radio console"')).toContain(`"radio":"${bridge.pair.bridge}"`);
    const secret = Buffer.from("b0609f8f35ee22e7de8217d555e1e256595b080e1b0a6864536ea7397bcc735f", "hex");
    const forms = [secret.toString("hex"), secret.toString("base64"), secret.toString("base64url"), secret.subarray(0, 12).toString("hex"), secret.subarray(0, 12).toString("base64")];
    const published = o.messages.map((m) => `${m.topic} ${m.text}`);
    expect(published.length).toBeGreaterThan(5);
    for (const text of [...published, ...bridge.logs]) for (const form of forms) expect(text).not.toContain(form);
    expect(replay!.wantConfigs.length).toBeGreaterThanOrEqual(1);
  });
});
