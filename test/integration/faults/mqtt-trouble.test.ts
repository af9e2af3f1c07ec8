// The whole bridge against a messy broker (issue 18): retained requests, an ACL that denies
// a state topic, someone else's copies of our retained nodes/<id>, a second bridge on the
// same base_topic. Real Mosquitto; the embedded broker where the bridge brings its own.
import { afterEach, describe, expect, it } from "vitest";
import type { MqttHealthSnapshot } from "../../../src/mqtt/health.js";
import { RETAINED_REQUEST_ERROR } from "../../../src/mqtt/retained-requests.js";
import { Mosquitto, type MosquittoLimits } from "../../helpers/mosquitto.js";
import { Observer, json, publishOnce, retainedNow } from "../../helpers/mqtt.js";
import { startRig, type Rig } from "../../helpers/app.js";

const BASE = "meshtastic-keysync";
const T = {
  stats: `${BASE}/sync/stats`,
  health: `${BASE}/bridge/health`,
  event: `${BASE}/bridge/event`,
  node: (id: string) => `${BASE}/nodes/${id}`,
  request: (c: string) => `${BASE}/bridge/request/${c}`,
  response: (c: string) => `${BASE}/bridge/response/${c}`,
};
type Stats = { sync_count: number; interval: number; last_error: string | null };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function mosquitto(limits: MosquittoLimits = {}): Promise<Mosquitto> {
  const broker = await Mosquitto.start(limits);
  cleanups.push(() => broker.stop());
  return broker;
}

async function rig(config: Record<string, unknown> = {}): Promise<Rig> {
  const r = await startRig(config);
  cleanups.push(() => r.stop());
  return r;
}

async function observe(url: string, filters: string[]): Promise<Observer> {
  const o = await Observer.connect(url, filters);
  cleanups.push(() => o.close());
  return o;
}

describe("retained requests", () => {
  it("a retained interval request waiting in the broker is refused at start, not applied, and cleared", async () => {
    const broker = await mosquitto();
    await publishOnce(broker.url, T.request("interval"), JSON.stringify({ value: 60, transaction: "old" }), true);
    const o = await observe(broker.url, [`${BASE}/#`]);
    const r = await rig({ mqtt: { server: broker.url } });
    const refusal = await o.next(T.response("interval"));
    expect(json(refusal.text)).toEqual({ status: "error", error: RETAINED_REQUEST_ERROR, data: {}, transaction: "old" });
    await r.logged("refused a retained request");
    expect(await retainedNow(broker.url, T.request("interval"))).toBeNull();
    await o.next(T.stats, (t) => (json(t) as Stats).sync_count >= 1);
    // Live requests work as ever; the refused one changed nothing.
    const mark = o.mark();
    await publishOnce(broker.url, T.request("stats"), "");
    expect((json((await o.next(T.response("stats"), () => true, mark)).text) as { data: Stats }).data.interval).toBe(300);
  });
});

describe("denied publishes", () => {
  it("an ACL denying bridge/info: named in sync/stats.last_error and in bridge/health; the rest goes on", async () => {
    const broker = await mosquitto({ acl: `topic readwrite #\ntopic deny ${BASE}/bridge/info` });
    const o = await observe(broker.url, [T.stats, T.health]);
    const r = await rig({ mqtt: { server: broker.url } });
    const why = `the MQTT broker refused publishing to ${BASE}/bridge/info: not authorized (0x87)`;
    await o.next(T.stats, (t) => (json(t) as Stats).last_error === why);
    const health = await o.next(T.health, (t) => (json(t) as MqttHealthSnapshot).mqtt.denied_publish.length > 0);
    expect((json(health.text) as MqttHealthSnapshot).mqtt).toMatchObject({ protocol: "5", denied_publish: [{ topic: `${BASE}/bridge/info`, reason: "not authorized (0x87)" }] });
    await r.logged("MQTT broker refused a publish");
    await o.next(T.stats, (t) => (json(t) as Stats).sync_count >= 1);
  });
});

describe.each([
  ["mosquitto", true],
  ["the embedded broker", false],
])("retained nodes/<id> match the directory, with %s", (_, external) => {
  it("a foreign copy of a known node is corrected at once; one for an unknown node is cleared", async () => {
    const broker = external ? await mosquitto() : null;
    const r = await rig(broker ? { mqtt: { server: broker.url } } : {});
    const url = broker?.url ?? r.mqttUrl;
    const node = [...r.sim.nodes.values()][0]!;
    const o = await observe(url, [T.node(node.id), T.node("!0badc0de")]);
    const ours = await o.next(T.node(node.id));
    await r.logged("sync: checked");
    const mark = o.mark();
    await publishOnce(url, T.node(node.id), JSON.stringify({ id: node.id, has_key: false, public_key: null }), true);
    await o.next(T.node(node.id), (t) => t === ours.text, mark);
    expect(await retainedNow(url, T.node(node.id))).toBe(ours.text);
    await publishOnce(url, T.node("!0badc0de"), JSON.stringify({ id: "!0badc0de", has_key: true }), true);
    await o.next(T.node("!0badc0de"), (t) => t === "", mark);
    expect(await retainedNow(url, T.node("!0badc0de"))).toBeNull();
  });
});

describe("stale retained state from before the start", () => {
  it("a retained nodes/<id> of a node the directory does not know is cleared once the bridge subscribes", async () => {
    const broker = await mosquitto();
    await publishOnce(broker.url, T.node("!0badc0de"), JSON.stringify({ id: "!0badc0de", has_key: true }), true);
    const o = await observe(broker.url, [T.node("!0badc0de")]);
    await rig({ mqtt: { server: broker.url } });
    await o.next(T.node("!0badc0de"), (t) => t === "");
    expect(await retainedNow(broker.url, T.node("!0badc0de"))).toBeNull();
  });
});

describe("two bridges on one base_topic", () => {
  it("the second raises bridge_conflict naming the first's instance and logs a warning naming the topic", async () => {
    const broker = await mosquitto();
    const o = await observe(broker.url, [`${BASE}/bridge/state`, T.event]);
    await rig({ mqtt: { server: broker.url } });
    const first = json((await o.next(`${BASE}/bridge/state`, (t) => t.includes('"online"'))).text) as { instance: string };
    const second = await rig({ mqtt: { server: broker.url } });
    const event = await o.next(T.event, (t) => t.includes("bridge_conflict") && t.includes(`"instance":"${first.instance}"`));
    expect(json(event.text)).toMatchObject({ type: "bridge_conflict", data: { topic: `${BASE}/bridge/state`, instance: first.instance } });
    expect(await second.logged("another bridge instance is online on this base_topic")).toContain(`${BASE}/bridge/state`);
  });
});
