// Per-node Home Assistant entities as homeassistant.node_entities selects them: published
// once per node, cleared on forget, and leftovers of an earlier run cleared at start.
import { afterEach, describe, expect, it } from "vitest";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";

const BASE = "meshtastic-keysync";
const configTopic = (id: string): string => `homeassistant/binary_sensor/${BASE}/node_${id.slice(1)}/config`;
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

async function broker(): Promise<string> {
  const b = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await b.start();
  running.push(() => b.stop());
  return b.url;
}

async function bridge(url: string, homeassistant: Record<string, unknown>): Promise<RunningBridge> {
  const b = await startBridge({ mqtt: { server: url }, homeassistant }, { nodes: 12 });
  running.push(() => b.stop());
  return b;
}

describe("per-node entities", () => {
  it("all: one problem sensor per node; forget clears it", async () => {
    const url = await broker();
    const observer = await Observer.connect(url, ["homeassistant/#"]);
    running.push(() => observer.close());
    const b = await bridge(url, { node_entities: "all" });
    const nodes = [...b.sim.nodes.values()];
    for (const node of nodes) {
      const config = json((await observer.next(configTopic(node.id))).text) as { device_class: string; json_attributes_topic: string };
      expect(config).toMatchObject({ device_class: "problem", json_attributes_topic: `${BASE}/nodes/${node.id}` });
    }
    const forgotten = nodes[0]!;
    const mark = observer.mark();
    await publishOnce(url, `${BASE}/bridge/request/forget`, forgotten.id);
    expect((await observer.next(configTopic(forgotten.id), (t) => t === "", mark)).text).toBe("");
  });

  it("watched: only the watched node; a leftover entity from an earlier run is cleared", async () => {
    const url = await broker();
    const stale = "!0badbeef";
    await publishOnce(url, configTopic(stale), JSON.stringify({ name: "left over" }), true);
    const observer = await Observer.connect(url, ["homeassistant/binary_sensor/#"]);
    running.push(() => observer.close());
    await observer.next(configTopic(stale));
    const mark = observer.mark();
    const b = await bridge(url, { node_entities: "watched", watch: [] });
    const watched = [...b.sim.nodes.values()][3]!;
    await b.stop();
    running.pop();
    await bridge(url, { node_entities: "watched", watch: [watched.id] });
    await observer.next(configTopic(watched.id), (t) => t.length > 0, mark);
    expect((await observer.next(configTopic(stale), (t) => t === "", mark)).text).toBe("");
    const nodeConfigs = new Set(observer.messages.slice(mark).filter((m) => m.text.length > 0 && m.topic.includes("/node_")).map((m) => m.topic));
    expect([...nodeConfigs]).toEqual([configTopic(watched.id)]);
  });
});
