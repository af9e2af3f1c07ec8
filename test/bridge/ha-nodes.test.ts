// Per-node Home Assistant entities as homeassistant.node_entities selects them: published
// once per node, cleared on forget, and leftovers of an earlier run cleared at start.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

async function bridge(url: string, homeassistant: Record<string, unknown>, more: Record<string, unknown> = {}): Promise<RunningBridge> {
  const b = await startBridge({ mqtt: { server: url }, homeassistant, ...more }, { nodes: 12 });
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

  it("forget clears the node's discovery configs before its nodes/<id>, so no entity renders the empty clear", async () => {
    const url = await broker();
    const observer = await Observer.connect(url, ["homeassistant/#", `${BASE}/nodes/#`]);
    running.push(() => observer.close());
    const b = await bridge(url, { node_entities: "all" });
    const node = [...b.sim.nodes.values()][1]!;
    const fingerprintTopic = `homeassistant/sensor/${BASE}/node_${node.id.slice(1)}_fingerprint/config`;
    await observer.next(fingerprintTopic);
    await observer.next(`${BASE}/nodes/${node.id}`);
    const mark = observer.mark();
    await publishOnce(url, `${BASE}/bridge/request/forget`, node.id);
    await observer.next(`${BASE}/nodes/${node.id}`, (t) => t === "", mark);
    const clears = observer.messages.slice(mark).filter((m) => m.text === "").map((m) => m.topic);
    const button = (suffix: string) => `homeassistant/button/${BASE}/node_${node.id.slice(1)}_${suffix}/config`;
    expect(clears).toEqual([configTopic(node.id), fingerprintTopic, button("accept"), button("reject"), `${BASE}/nodes/${node.id}`]);
  });

  it("push enabled: a push button per node; a leftover button is cleared once push is off", async () => {
    const url = await broker();
    const observer = await Observer.connect(url, ["homeassistant/button/#"]);
    running.push(() => observer.close());
    // One store for both runs: the node is known at the second start, so only push being
    // off can be the reason its button goes.
    const dir = mkdtempSync(join(tmpdir(), "keysync-ha-"));
    running.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const store = { path: join(dir, "keys.json") };
    const first = await bridge(url, { node_entities: "all" }, { push: { enabled: true }, store });
    const node = [...first.sim.nodes.values()].find((n) => n.publicKey !== null && n.num !== first.sim.ownNode.num)!;
    const buttonTopic = `homeassistant/button/${BASE}/node_${node.id.slice(1)}_push/config`;
    const button = json((await observer.next(buttonTopic)).text) as { payload_press: string; device: { via_device: string } };
    expect(button.payload_press).toBe(JSON.stringify({ id: node.id }));
    expect(button.device.via_device).toBe(`meshtastic-keysync_${BASE}`);
    await first.stop();
    running.pop();
    const mark = observer.mark();
    const second = await bridge(url, { node_entities: "all" }, { store });
    expect((await observer.next(buttonTopic, (t) => t === "", mark)).text).toBe("");
    expect(second.logs.join("")).not.toContain("error");
  });

  it("push enabled: no push button for the radio's own node, nor for a node without a key", async () => {
    const url = await broker();
    const observer = await Observer.connect(url, ["homeassistant/button/#", `${BASE}/bridge/response/#`]);
    running.push(() => observer.close());
    const b = await bridge(url, { node_entities: "all" }, { push: { enabled: true } });
    const pushTopic = (id: string) => `homeassistant/button/${BASE}/node_${id.slice(1)}_push/config`;
    const nodes = [...b.sim.nodes.values()];
    const keyed = nodes.filter((n) => n.publicKey !== null && n.num !== b.sim.ownNode.num);
    for (const node of keyed) await observer.next(pushTopic(node.id));
    // A barrier: the answer to a request follows everything the first sync made the bridge publish.
    await publishOnce(url, `${BASE}/bridge/request/stats`, "");
    await observer.next(`${BASE}/bridge/response/stats`);
    const pushed = new Set(observer.messages.filter((m) => m.topic.endsWith("_push/config") && m.text.length > 0).map((m) => m.topic));
    expect([...pushed].sort()).toEqual(keyed.map((n) => pushTopic(n.id)).sort());
    expect(pushed).not.toContain(pushTopic(b.sim.ownNode.id));
    expect(nodes.some((n) => n.publicKey === null)).toBe(true); // the sim has keyless nodes: they were left out
  });

  it("Accept new key, pressed through its discovery config on a changed node, does what accept_key does", async () => {
    const url = await broker();
    const observer = await Observer.connect(url, ["homeassistant/button/#", `${BASE}/nodes/#`, `${BASE}/bridge/response/#`, `${BASE}/bridge/last_command`]);
    running.push(() => observer.close());
    const b = await bridge(url, { node_entities: "all" });
    const node = [...b.sim.nodes.values()].find((n) => n.publicKey !== null && n.num !== b.sim.ownNode.num)!;
    const accept = json((await observer.next(`homeassistant/button/${BASE}/node_${node.id.slice(1)}_accept/config`)).text) as {
      command_topic: string;
      payload_press: string;
    };
    await observer.next(`${BASE}/nodes/${node.id}`);
    let mark = observer.mark();
    b.sim.reflashNode(node.num);
    b.sim.deliverNodeInfo(node.num);
    await observer.next(`${BASE}/nodes/${node.id}`, (t) => (json(t) as { status: string }).status === "changed", mark);
    // The button's press, as Home Assistant sends it.
    mark = observer.mark();
    await publishOnce(url, accept.command_topic, accept.payload_press);
    const response = json((await observer.next(`${BASE}/bridge/response/accept_key`, () => true, mark)).text) as { status: string; data: { status: string; id: string } };
    expect(response).toMatchObject({ status: "ok", data: { id: node.id } });
    expect(response.data.status).not.toBe("changed");
    const view = json((await observer.next(`${BASE}/nodes/${node.id}`, () => true, mark)).text);
    expect(view).toEqual(response.data);
    expect(json((await observer.next(`${BASE}/bridge/last_command`, () => true, mark)).text)).toEqual({ status: "ok", command: "accept_key", node: node.id, error: null });
    // Pressed again, the node is no longer changed: reject_key would refuse, and says so in Last command.
    mark = observer.mark();
    await publishOnce(url, `${BASE}/bridge/request/reject_key`, accept.payload_press);
    const last = json((await observer.next(`${BASE}/bridge/last_command`, () => true, mark)).text) as { status: string; node: string; error: string };
    expect(last).toMatchObject({ status: "error", command: "reject_key", node: node.id });
    expect(last.error).toContain("no changed key");
  });

  it("watched: a watch entry the first sync did not bring is named in the log, once", async () => {
    const url = await broker();
    const observer = await Observer.connect(url, [`${BASE}/bridge/response/#`]);
    running.push(() => observer.close());
    const b = await bridge(url, { node_entities: "watched", watch: ["!0badbeef"] });
    const line = await b.logged("!0badbeef is not in the key directory");
    expect(json(line)).toMatchObject({ level: 40, id: "!0badbeef" }); // warn
    // A second sync, answered: no second line.
    await publishOnce(url, `${BASE}/bridge/request/sync`, "");
    await observer.next(`${BASE}/bridge/response/sync`);
    expect(b.logs.filter((l) => l.includes("!0badbeef is not in the key directory"))).toHaveLength(1);
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
