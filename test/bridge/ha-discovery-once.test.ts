// Home Assistant discovery is published once per start (HA logs "already discovered, sending
// update" for every repeat), again after a broker reconnect and when Home Assistant says it is
// online, and not in between. With HA_MEASURE=1 the test also prints the discovery messages
// and bytes one start costs (the figures in docs/home-assistant.md).
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { SimRadio } from "../../src/sim/index.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { Observer, json, publishOnce, type Received } from "../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

/**
 * A broker, an observer, and a bridge whose radio answers only once the bridge is online on
 * MQTT: the order with a real radio (its handshake takes seconds), in which a config that
 * changed with the radio's answer went out twice.
 */
async function rig(nodes: number): Promise<{ url: string; observer: Observer; bridge: RunningBridge; bridgeStop: () => Promise<void> }> {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await broker.start();
  running.push(() => broker.stop());
  const observer = await Observer.connect(broker.url, ["homeassistant/#", `${BASE}/bridge/state`, `${BASE}/sync/stats`, `${BASE}/bridge/response/#`]);
  running.push(() => observer.close());
  const probe = new SimRadio({ port: 0, nodes: 0 });
  const { port } = await probe.start();
  await probe.stop();
  const bridge = await startBridge({ mqtt: { server: broker.url }, radio: { port }, homeassistant: { node_entities: "all" } }, { nodes: 0 });
  const bridgeStop = (): Promise<void> => bridge.stop();
  running.push(bridgeStop);
  await observer.next(`${BASE}/bridge/state`, (t) => t.includes("online"));
  const radio = new SimRadio({ port, nodes });
  await radio.start();
  running.push(() => radio.stop());
  return { url: broker.url, observer, bridge, bridgeStop };
}

/**
 * Waits until the first sync (the handshake's dump) is processed and everything it caused is
 * out: a `stats` request's response is published after it on the bridge's one connection.
 * Returns the directory's node count.
 */
async function settled(url: string, observer: Observer, name: string): Promise<number> {
  for (let round = 0; ; round++) {
    const mark = observer.mark();
    const transaction = `${name}-${round}`;
    await publishOnce(url, `${BASE}/bridge/request/stats`, JSON.stringify({ transaction }));
    const response = await observer.next(`${BASE}/bridge/response/stats`, (t) => (json(t) as { transaction?: string }).transaction === transaction, mark);
    const { data } = json(response.text) as { data: { sync_count: number; nodes_total: number } };
    if (data.sync_count >= 1) return data.nodes_total;
    await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1, mark);
  }
}

const configs = (messages: Received[]): Received[] => messages.filter((m) => m.topic.endsWith("/config") && m.text.length > 0);

function perTopic(messages: Received[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of configs(messages)) counts.set(m.topic, (counts.get(m.topic) ?? 0) + 1);
  return counts;
}

describe("discovery publications", () => {
  it.each([50, 250])("once per start with node_entities all (%i nodes)", async (nodes) => {
    const { url, observer } = await rig(nodes);
    const total = await settled(url, observer, "first");
    const counts = perTopic(observer.messages);
    if (process.env.HA_MEASURE) {
      const sent = configs(observer.messages);
      const bytes = sent.reduce((n, m) => n + Buffer.byteLength(m.topic) + Buffer.byteLength(m.text), 0);
      console.info(`discovery per start, ${nodes} nodes: ${sent.length} messages, ${bytes} bytes (topic + payload)`);
    }
    expect([...counts.values()].filter((n) => n !== 1)).toEqual([]);
    // Every node has its problem sensor.
    expect([...counts.keys()].filter((t) => t.startsWith(`homeassistant/binary_sensor/${BASE}/node_`) && t.split("/").length === 5)).toHaveLength(total);
  });

  it("again when Home Assistant comes online; a retained online at the next start is no reason", async () => {
    const { url, observer, bridge, bridgeStop } = await rig(5);
    await settled(url, observer, "first");
    const before = perTopic(observer.messages);

    let mark = observer.mark();
    await publishOnce(url, "homeassistant/status", "online");
    await observer.next(`homeassistant/sensor/${BASE}/sync_count/config`, () => true, mark);
    await settled(url, observer, "after-online");
    expect(perTopic(observer.messages.slice(mark))).toEqual(before);

    // A retained "online" left on the broker is no news of a Home Assistant start.
    await bridge.stop();
    running.splice(running.indexOf(bridgeStop), 1);
    mark = observer.mark();
    await publishOnce(url, "homeassistant/status", "online", true);
    const again = await startBridge({ mqtt: { server: url }, homeassistant: { node_entities: "all" } }, { nodes: 5 });
    running.push(() => again.stop());
    // Its `online` follows its SUBSCRIBE, so the broker hands it the retained status before
    // the stats request that settled() sends: a republish it caused comes before the answer.
    await observer.next(`${BASE}/bridge/state`, (text) => text.includes("online"), mark);
    await settled(url, observer, "restart");
    expect([...perTopic(observer.messages.slice(mark)).values()].filter((n) => n !== 1)).toEqual([]);
  });

  it("again after a broker restart (which lost every retained message)", async () => {
    const { url, observer } = await rig(5);
    await settled(url, observer, "first");
    const before = perTopic(observer.messages);
    await observer.close();
    running.splice(1, 1);
    const port = Number(new URL(url).port);
    await running[0]!();
    const broker = new EmbeddedBroker({ host: "127.0.0.1", port });
    await broker.start();
    running[0] = () => broker.stop();
    const fresh = await Observer.connect(url, ["homeassistant/#", `${BASE}/bridge/response/#`]);
    running.push(() => fresh.close());
    await fresh.next(`homeassistant/event/${BASE}/event/config`);
    await publishOnce(url, `${BASE}/bridge/request/stats`, JSON.stringify({ transaction: "back" }));
    await fresh.next(`${BASE}/bridge/response/stats`, (t) => t.includes("back"));
    expect(perTopic(fresh.messages)).toEqual(before);
  });
});
