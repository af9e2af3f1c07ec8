// The whole bridge over MQTT, against the embedded aedes broker and a real Mosquitto: what a
// Home Assistant dashboard or an automation sees and can do, by topic and parsed JSON.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Mosquitto } from "../helpers/mosquitto.js";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { buildDiscovery } from "../../src/mqtt/discovery.js";
import { packageVersion } from "../../src/version.js";

const BASE = "meshtastic-keysync";
type Stats = { sync_count: number; nodes_total: number; nodes_with_key: number; interval: number; enabled: boolean; next_sync: number | null; keys_updated: number };
type Response = { status: string; data: Record<string, unknown>; error?: string; transaction?: unknown };
type NodeStatus = { id: string; has_key: boolean; status: string };

const running: { bridge?: RunningBridge; observer?: Observer }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.observer?.close();
    await r.bridge?.stop();
  }
});

async function bridgeWithObserver(config: Record<string, unknown> = {}, nodes = 30): Promise<{ bridge: RunningBridge; observer: Observer; url: string }> {
  const bridge = await startBridge(config, { nodes });
  const url = bridge.mqttUrl;
  const observer = await Observer.connect(url, [`${BASE}/#`]);
  running.push({ bridge, observer });
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count >= 1);
  // Retained node topics keep arriving after the stats: wait for all of them.
  for (const node of bridge.sim.nodes.values()) await observer.next(`${BASE}/nodes/${node.id}`);
  return { bridge, observer, url };
}

async function request(observer: Observer, url: string, command: string, payload: string): Promise<Response> {
  const mark = observer.mark();
  await publishOnce(url, `${BASE}/bridge/request/${command}`, payload);
  const reply = await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark);
  return json(reply.text) as Response;
}

function expectFirstSyncState(observer: Observer, sim: RunningBridge["sim"]): void {
  const state = json(observer.on(`${BASE}/bridge/state`).at(-1)!.text) as { instance: string };
  expect(state).toEqual({ state: "online", instance: state.instance });
  expect(state.instance).toMatch(/^[0-9a-f]{12}$/);
  const stats = json(observer.on(`${BASE}/sync/stats`).at(-1)!.text) as Stats;
  const keyed = [...sim.nodes.values()].filter((n) => n.publicKey).length;
  expect(stats.nodes_total).toBe(sim.nodes.size + 1);
  expect(stats.nodes_with_key).toBe(keyed + 1);
  const nodeTopics = new Set(observer.messages.filter((m) => m.topic.startsWith(`${BASE}/nodes/`)).map((m) => m.topic));
  expect(nodeTopics.size).toBe(sim.nodes.size + 1);
  for (const node of sim.nodes.values()) {
    const m = observer.on(`${BASE}/nodes/${node.id}`).at(-1)!;
    expect((json(m.text) as NodeStatus).has_key).toBe(node.publicKey !== null);
  }
}

describe("against the embedded broker", () => {
  it("publishes online, stats with the simulated NodeDB's counts and one retained nodes/<id> per node", async () => {
    const { bridge, observer, url } = await bridgeWithObserver();
    expectFirstSyncState(observer, bridge.sim);
    // A client that arrives later gets the retained state.
    const late = await Observer.connect(url, [`${BASE}/nodes/+`]);
    running.push({ observer: late });
    const first = [...bridge.sim.nodes.values()][0]!;
    const retained = await late.next(`${BASE}/nodes/${first.id}`);
    expect(retained.retain).toBe(true);
  });

  it("answers commands in the request/response envelope, with the transaction echoed", async () => {
    const { bridge, observer, url } = await bridgeWithObserver();
    const sync = await request(observer, url, "sync", JSON.stringify({ transaction: "t-42" }));
    expect(sync).toMatchObject({ status: "ok", transaction: "t-42", data: { checked: bridge.sim.nodes.size + 1, added: 0, updated: 0 } });

    const mark = observer.mark();
    expect(await request(observer, url, "interval", "600")).toMatchObject({ status: "ok" });
    const stats = await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).interval === 600, mark);
    expect((json(stats.text) as Stats).interval).toBe(600);

    expect(await request(observer, url, "enabled", JSON.stringify({ value: false }))).toMatchObject({ status: "ok" });
    expect(await request(observer, url, "stats", "")).toMatchObject({ status: "ok", data: { enabled: false, next_sync: null } });
    expect(await request(observer, url, "node", JSON.stringify({ id: [...bridge.sim.nodes.values()][0]!.id }))).toMatchObject({ status: "ok", data: { status: expect.any(String) as unknown } });
  });

  it("refuses bad input with an error response and changes nothing", async () => {
    const { observer, url } = await bridgeWithObserver();
    const before = (await request(observer, url, "stats", "")).data;
    const bad: [string, string | Buffer][] = [
      ["interval", "abc"],
      ["interval", "-5"],
      ["interval", String(10 ** 9)],
      ["interval", JSON.stringify({ value: "x".repeat(1024 * 1024) })],
      ["enabled", "{not json"],
      ["no_such_command", "{}"],
      ["forget", "!zzzzzzzz"],
      ["accept_key", JSON.stringify({ id: "!00000001" })],
    ];
    for (const [command, payload] of bad) {
      const response = await request(observer, url, command, payload.toString());
      expect(response.status, `${command} ${payload.toString().slice(0, 40)}`).toBe("error");
      expect(response.error).toMatch(/\w/);
      expect(response.data).toEqual({});
    }
    const after = (await request(observer, url, "stats", "")).data;
    expect({ ...after, next_sync: null }).toEqual({ ...before, next_sync: null });
  });

  it("a second sync with nothing changed publishes no nodes/* message", async () => {
    const { observer, url } = await bridgeWithObserver({}, 200);
    const mark = observer.mark();
    expect((await request(observer, url, "sync", "")).status).toBe("ok");
    await observer.next(`${BASE}/sync/stats`, () => true, mark);
    // Live publications reach a subscriber with retain=0; late retained copies from its own
    // subscription (retain=1) are not publications of this sync.
    const published = observer.messages.slice(mark).filter((m) => m.topic.startsWith(`${BASE}/nodes/`) && !m.retain);
    expect(published).toEqual([]);
    expect(observer.messages.slice(mark).filter((m) => m.topic === `${BASE}/sync/stats` && !m.retain)).toHaveLength(1);
  });

  it("accept_key clears a changed status; forget clears the node's retained topic", async () => {
    const { bridge, observer, url } = await bridgeWithObserver();
    const node = [...bridge.sim.nodes.values()].find((n) => n.publicKey)!;
    bridge.sim.rotateKey(node.num);
    let mark = observer.mark();
    await request(observer, url, "sync", "");
    await observer.next(`${BASE}/nodes/${node.id}`, (t) => (json(t) as NodeStatus).status === "changed", mark);
    mark = observer.mark();
    expect(await request(observer, url, "accept_key", node.id)).toMatchObject({ status: "ok", data: { status: "ok" } });
    await observer.next(`${BASE}/nodes/${node.id}`, (t) => (json(t) as NodeStatus).status === "ok", mark);

    mark = observer.mark();
    expect(await request(observer, url, "forget", JSON.stringify({ id: node.id }))).toMatchObject({ status: "ok" });
    const cleared = await observer.next(`${BASE}/nodes/${node.id}`, (t) => t === "", mark);
    expect(cleared.text).toBe("");
    const late = await Observer.connect(url, [`${BASE}/nodes/${node.id}`]);
    running.push({ observer: late });
    expect((await request(observer, url, "stats", "")).status).toBe("ok");
    expect(late.on(`${BASE}/nodes/${node.id}`)).toEqual([]);
  });

  it("send: ok after the radio's ACK; a node the radio has no key for gets CONTRACT's error", async () => {
    const { bridge, observer, url } = await bridgeWithObserver();
    const nodes = [...bridge.sim.nodes.values()];
    const keyed = nodes.find((n) => n.publicKey)!;
    const keyless = nodes.find((n) => !n.publicKey)!;
    const ok = await request(observer, url, "send", JSON.stringify({ to: keyed.id, text: "hello", transaction: 7 }));
    expect(ok).toMatchObject({ status: "ok", transaction: 7, data: { id: expect.any(Number) as unknown } });
    expect(bridge.sim.stats.packetsFromClient).toBe(1);
    const refused = await request(observer, url, "send", JSON.stringify({ to: keyless.id, text: "hello" }));
    expect(refused.status).toBe("error");
    expect(refused.error).toMatch(/radio has no public key/);
    expect(refused.error).toMatch(/our key directory has none/);
  });

  it("republishes discovery when Home Assistant says online", async () => {
    const { url } = await bridgeWithObserver();
    const expected = buildDiscovery({ base: BASE, prefix: "homeassistant", version: packageVersion() }).map((m) => m.topic);
    const ha = await Observer.connect(url, ["homeassistant/#"]);
    running.push({ observer: ha });
    for (const topic of expected) await ha.next(topic);
    const mark = ha.mark();
    await publishOnce(url, "homeassistant/status", "online");
    for (const topic of expected) {
      const again = await ha.next(topic, () => true, mark);
      expect(again.retain).toBe(false); // a fresh publication, not the broker's retained copy
    }
  });
});

describe("against a real Mosquitto", () => {
  let mosquitto: Mosquitto;
  beforeAll(async () => {
    mosquitto = await Mosquitto.start();
  });
  afterAll(async () => {
    await mosquitto.stop();
  });

  it("publishes online, stats and one node topic per node, and answers a sync", async () => {
    const { bridge, observer } = await bridgeWithObserver({ mqtt: { server: mosquitto.url } });
    expect(bridge.mqttUrl).toBe(mosquitto.url);
    expectFirstSyncState(observer, bridge.sim);
    const sync = await request(observer, mosquitto.url, "sync", JSON.stringify({ transaction: "m1" }));
    expect(sync).toMatchObject({ status: "ok", transaction: "m1" });
  });
});
