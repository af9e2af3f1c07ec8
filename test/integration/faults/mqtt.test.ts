// MQTT-side faults: a broker that is down at start or restarts mid-run (a real Mosquitto on
// the same port), a flood of 2,000 commands, and a fuzz set of bad command payloads.
import type { EventEmitter } from "node:events";
import fc from "fast-check";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { COMMANDS } from "../../../src/mqtt/commands.js";
import { nextEvent } from "../../helpers/events.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { Observer, json } from "../../helpers/mqtt.js";
import { startRig } from "../../helpers/app.js";

const BASE = "meshtastic-keysync";
const T = {
  state: `${BASE}/bridge/state`,
  radio: `${BASE}/radio/state`,
  stats: `${BASE}/sync/stats`,
  request: (c: string) => `${BASE}/bridge/request/${c}`,
  response: (c: string) => `${BASE}/bridge/response/${c}`,
};
/** MQTT.js's client is an EventEmitter; its typings say otherwise. */
const emitter = (o: Observer): EventEmitter => o.client as unknown as EventEmitter;
const ALL = [`${BASE}/#`, "homeassistant/#"];

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function observe(url: string, filters = ALL): Promise<Observer> {
  const observer = await Observer.connect(url, filters);
  cleanups.push(() => observer.close());
  return observer;
}

/** The retained state a dashboard needs, all present on a fresh subscription. */
async function expectRetainedState(url: string, syncCount: (n: number) => boolean): Promise<void> {
  const o = await observe(url);
  const state = json((await o.next(T.state, (t) => t.includes("online"))).text) as { instance: string };
  expect(state).toEqual({ state: "online", instance: state.instance });
  expect(state.instance).toMatch(/^[0-9a-f]{12}$/);
  await o.next(T.radio, (t) => (json(t) as { state: string }).state === "connected");
  await o.next(T.stats, (t) => syncCount((json(t) as { sync_count: number }).sync_count));
  const isButton = (topic: string): boolean => topic.startsWith("homeassistant/button/") && topic.endsWith("/config");
  if (!o.messages.some((m) => isButton(m.topic))) await nextEvent<string>(emitter(o), "message", isButton);
  expect(o.messages.filter((m) => m.topic.startsWith("homeassistant/") && m.text !== "").length).toBeGreaterThan(10);
}

describe("MQTT faults", () => {
  it("the broker is down at start: the bridge starts and syncs anyway; once the broker is up, state and discovery are published", async () => {
    const mosquitto = await Mosquitto.start();
    cleanups.push(() => mosquitto.stop());
    await mosquitto.halt();
    const rig = await startRig({ mqtt: { server: mosquitto.url } });
    cleanups.push(() => rig.stop());
    await rig.logged("sync: checked"); // the handshake's dump: sync 1, with no broker
    await rig.logged("MQTT error");
    await mosquitto.launch();
    await expectRetainedState(mosquitto.url, (n) => n >= 1);
  });

  it("the broker restarts mid-run: the sync loop goes on meanwhile, state and discovery come back", async () => {
    const mosquitto = await Mosquitto.start();
    cleanups.push(() => mosquitto.stop());
    const rig = await startRig({ mqtt: { server: mosquitto.url } });
    cleanups.push(() => rig.stop());
    await expectRetainedState(mosquitto.url, (n) => n === 1);
    await mosquitto.halt();
    // While the broker is away, a node the directory lacks triggers an on-demand sync.
    const [node] = rig.sim.addNodesSilently(1);
    const refreshed = nextEvent(rig.sim, "dump", (d: { kind: string }) => d.kind === "nodesOnly");
    rig.sim.deliverEncrypted(node!.num);
    await refreshed;
    await mosquitto.launch(); // same port; retained messages were lost with it
    await expectRetainedState(mosquitto.url, (n) => n === 2);
    const o = await observe(mosquitto.url, [`${BASE}/nodes/${node!.id}`]);
    expect(json((await o.next(`${BASE}/nodes/${node!.id}`)).text)).toMatchObject({ id: node!.id, has_key: true });
  });

  it("1,000 sync and 1,000 stats requests in a burst: still responsive, syncs coalesced", async () => {
    const rig = await startRig({}, { sim: { nodes: 30 } });
    cleanups.push(() => rig.stop());
    const o = await observe(rig.mqttUrl, [`${BASE}/bridge/response/#`]);
    const flooder = await mqtt.connectAsync(rig.mqttUrl, { reconnectPeriod: 0, protocolVersion: 4 });
    cleanups.push(() => flooder.endAsync(true));
    // Wait until the radio is up, so that the syncs really run.
    await rig.logged("sync: checked");
    const dumpsBefore = rig.sim.stats.dumps.nodesOnly;
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) {
      flooder.publish(T.request("sync"), "");
      flooder.publish(T.request("stats"), "");
    }
    await flooder.publishAsync(T.request("stats"), JSON.stringify({ transaction: "after-the-flood" }), { qos: 1 });
    const last = await o.next(T.response("stats"), (t) => t.includes("after-the-flood"));
    const elapsed = performance.now() - started;
    expect(json(last.text)).toMatchObject({ status: "ok", transaction: "after-the-flood" });
    await o.next(T.response("sync"), () => o.on(T.response("sync")).length >= 1_000);
    const syncs = o.on(T.response("sync")).map((m) => json(m.text) as { status: string });
    expect(syncs).toHaveLength(1_000);
    expect(syncs.every((s) => s.status === "ok")).toBe(true);
    expect(o.on(T.response("stats")).length).toBe(1_001);
    const dumps = rig.sim.stats.dumps.nodesOnly - dumpsBefore;
    expect(dumps).toBeGreaterThan(0);
    expect(dumps).toBeLessThan(100);
    expect(elapsed).toBeLessThan(30_000);
    expect(rig.sim.stats.forceCloses).toBe(0);
  });

  it("bad payloads for every command are answered with an error and change nothing", async () => {
    const rig = await startRig();
    cleanups.push(() => rig.stop());
    await rig.logged("sync: checked");
    const o = await observe(rig.mqttUrl, [`${BASE}/bridge/response/#`, `${BASE}/nodes/#`]);
    const client = await mqtt.connectAsync(rig.mqttUrl, { reconnectPeriod: 0, protocolVersion: 4 });
    cleanups.push(() => client.endAsync(true));
    const ask = async (command: string, payload: string | Buffer): Promise<{ status: string; data: unknown }> => {
      const since = o.mark();
      await client.publishAsync(T.request(command), payload, { qos: 1 });
      return json((await o.next(T.response(command), () => true, since)).text) as { status: string; data: unknown };
    };
    const node = [...rig.sim.nodes.values()].find((n) => n.publicKey)!;
    // The handshake's nodes are answered for once announced (durable first): its nodes/<id> says so.
    await o.next(`${BASE}/nodes/${node.id}`);
    const snapshot = async () => ({ stats: (await ask("stats", "")).data, node: (await ask("node", node.id)).data });
    const before = await snapshot();

    const deep = `${"[".repeat(200)}${"]".repeat(200)}`;
    const fixed: (string | Buffer)[] = [
      "", "null", "[]", "{}", "[600]", "-1", "1e309", "600.5", "29", "86401", "NaN", "\u0000", "!zzzz", "!1234567890",
      '{"value":"abc"}', '{"value":{}}', '{"value":null}', '{"value":[true]}', '{"id":42}', '{"id":["!a76f40da"]}',
      '{"to":1,"text":2}', '{"to":"!00000001","text":""}', `{"to":"${node.id}","text":"${"x".repeat(201)}"}`, '{"to":"!00000001"}',
      '{"transaction":{}}', '{"transaction":[1],"value":600}', "{", '"unterminated', '{"value":', deep,
      `${'{"a":'.repeat(200)}1${"}".repeat(200)}`, "x".repeat(70_000), `"${"x".repeat(60_000)}"`,
      Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), '{"__proto__":{"value":600}}',
    ];
    // Random JSON too, leaving out the few shapes that are valid for some command.
    const plausible = (v: unknown): boolean =>
      typeof v === "boolean" || (typeof v === "number" && v >= 30 && v <= 86_400) || (typeof v === "string" && /^\s*(!|on|off|true|false|\d)/i.test(v)) ||
      (typeof v === "object" && v !== null && !Array.isArray(v) && ["value", "id", "to", "transaction"].some((k) => k in v));
    const random = fc.sample(fc.jsonValue({ maxDepth: 4 }), { seed: 20261127, numRuns: 40 }).filter((v) => !plausible(v)).map((v) => JSON.stringify(v));
    const payloads = [...fixed, ...random];

    /** Every payload at once; resolves with the statuses of the answers, once all are in. */
    const askAll = async (command: string): Promise<string[]> => {
      const since = o.mark();
      const done = (): boolean => o.on(T.response(command), since).length >= payloads.length;
      const all = done() ? Promise.resolve() : nextEvent(emitter(o), "message", done);
      await Promise.all(payloads.map((p) => client.publishAsync(T.request(command), p, { qos: 1 })));
      await all;
      return o.on(T.response(command), since).map((m) => (json(m.text) as { status: string }).status);
    };
    for (const command of COMMANDS.filter((c) => c !== "sync" && c !== "stats")) {
      const statuses = await askAll(command);
      expect(statuses, command).toHaveLength(payloads.length);
      expect(statuses.filter((s) => s !== "error"), command).toEqual([]);
    }
    // `stats` takes no argument: whatever it is sent, it answers (ok, or an error for an unreadable payload) and changes nothing.
    expect(await askAll("stats")).toHaveLength(payloads.length);
    expect(await snapshot()).toEqual(before);
    expect(o.messages.filter((m) => m.topic.startsWith(`${BASE}/nodes/`) && m.text === "")).toEqual([]);
    expect(rig.sim.stats.packetsFromClient).toBe(0); // no send went out
  });
});
