// The mesh's MQTT uplink end to end: the bridge with its simulated radio, and a second,
// embedded broker standing for the mesh's uplink broker, where the test publisher plays
// gateways. Over real MQTT both ways, with the directory's trust rules for uplink:* claims.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../../src/mqtt/broker.js";
import { startBridge, type RunningBridge } from "../../helpers/app.js";
import { json, Observer } from "../../helpers/mqtt.js";
import { get, samples } from "../../helpers/prometheus.js";
import { garbageEnvelope, nodeIdOf, nodeInfoEnvelope, pkiEnvelope, signedNodeInfoEnvelope, textEnvelope, UplinkPublisher, type Channel } from "../../helpers/uplink-publisher.js";
import { makeSigner } from "../../helpers/xeddsa-signer.js";

const BASE = "meshtastic-keysync";
const FRIENDS: Channel = { name: "Friends", psk: Buffer.alloc(32, 0x5c).toString("base64") };

interface NodePayload {
  id: string;
  has_key: boolean;
  key_source: string | null;
  public_key: string | null;
  long_name: string;
}
interface Stats {
  sync_count: number;
  uplink_envelopes?: number;
  uplink_decrypted?: number;
  uplink_keys?: number;
  uplink_refused?: number;
}
interface Health {
  uplink?: { connected: boolean; envelopes: number; refused: Record<string, number>; skipped: Record<string, number>; server: string };
}

let meshBroker: EmbeddedBroker;
let bridge: RunningBridge;
let observer: Observer;
let gateways: UplinkPublisher;

beforeAll(async () => {
  meshBroker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await meshBroker.start();
  bridge = await startBridge({
    uplink: { enabled: true, server: meshBroker.url, channels: { Friends: FRIENDS.psk }, max_per_minute: 100_000 },
    homeassistant: { enabled: true },
    push: { enabled: true },
    metrics: { enabled: true, port: 0 },
  });
  observer = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`, "homeassistant/#"]);
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count >= 1);
  await observer.next(`${BASE}/bridge/health`, (t) => (json(t) as Health).uplink?.connected === true);
  gateways = await UplinkPublisher.connect(meshBroker.url);
}, 30_000);

afterAll(async () => {
  await gateways?.close();
  await observer?.close();
  await bridge?.stop();
  await meshBroker?.stop();
});

const nodeTopic = (num: number): string => `${BASE}/nodes/${nodeIdOf(num)}`;

async function request(command: string, data: object): Promise<{ status: string; error?: string; data: Record<string, unknown> }> {
  const transaction = `${command}-${Math.random().toString(16).slice(2)}`;
  const mark = observer.mark();
  await observer.client.publishAsync(`${BASE}/bridge/request/${command}`, JSON.stringify({ ...data, transaction }));
  const answer = await observer.next(`${BASE}/bridge/response/${command}`, (t) => (json(t) as { transaction?: string }).transaction === transaction, mark);
  return json(answer.text) as { status: string; error?: string; data: Record<string, unknown> };
}

describe("the mesh's MQTT uplink", () => {
  it("announces itself: bridge/health.uplink, uplink_* figures and a Home Assistant diagnostic sensor", async () => {
    const health = json((await observer.next(`${BASE}/bridge/health`, (t) => (json(t) as Health).uplink?.connected === true)).text) as Health;
    expect(health.uplink).toMatchObject({ connected: true, server: meshBroker.url, trust: "claim", channels: ["LongFast", "Friends"] });
    const config = await observer.next("homeassistant/sensor/meshtastic-keysync/uplink_keys/config");
    expect(json(config.text)).toMatchObject({ json_attributes_topic: `${BASE}/bridge/health`, entity_category: "diagnostic" });
  });

  it("learns the key of a node the radio never heard, as uplink:<gateway>, from LongFast and a custom channel", async () => {
    const far = 0x7e000001;
    const wide = 0x7e000002;
    expect(bridge.sim.nodes.has(far)).toBe(false);
    const key = randomBytes(32);
    const wideKey = randomBytes(32);
    await gateways.publish(nodeInfoEnvelope({ from: far, key, longName: "Beyond the hill", gateway: "!0badf00d" }), nodeInfoEnvelope({ from: wide, key: wideKey, channel: FRIENDS, gateway: "!0badf00d" }));
    const view = json((await observer.next(nodeTopic(far), (t) => (json(t) as NodePayload).has_key)).text) as NodePayload;
    expect(view).toMatchObject({ id: nodeIdOf(far), long_name: "Beyond the hill", key_source: "uplink:!0badf00d", public_key: key.toString("base64") });
    const other = json((await observer.next(nodeTopic(wide), (t) => (json(t) as NodePayload).has_key)).text) as NodePayload;
    expect(other.public_key).toBe(wideKey.toString("base64"));
    const stats = json((await observer.next(`${BASE}/sync/stats`, (t) => ((json(t) as Stats).uplink_keys ?? 0) >= 2)).text) as Stats;
    expect(stats).toMatchObject({ uplink_envelopes: expect.any(Number) as unknown, uplink_decrypted: expect.any(Number) as unknown });
  });

  it("counts PKI DMs, keyless packets, replays and garbage, and keeps answering sync requests through a flood", async () => {
    const before = observer.mark();
    const replayed = nodeInfoEnvelope({ from: 0x7e000003, key: randomBytes(32) });
    await gateways.publish(pkiEnvelope(1, 2), textEnvelope(3, "hi"), replayed, replayed);
    const flood = Array.from({ length: 3_000 }, (_, i) => garbageEnvelope(i + 1));
    const published = gateways.publish(...flood);
    // The bridge answers its own sync request while the flood comes in (a generous ceiling).
    const t0 = Date.now();
    await observer.client.publishAsync(`${BASE}/bridge/request/sync`, JSON.stringify({ transaction: "during-flood" }));
    const response = await observer.next(`${BASE}/bridge/response/sync`, (t) => (json(t) as { transaction?: string }).transaction === "during-flood", before);
    expect((json(response.text) as { status: string }).status).toBe("ok");
    expect(Date.now() - t0).toBeLessThan(10_000);
    await published;
    const health = await observer.next(`${BASE}/bridge/health`, (t) => ((json(t) as Health).uplink?.refused.malformed ?? 0) >= 3_000, before);
    const uplink = (json(health.text) as Health).uplink!;
    expect(uplink.refused).toMatchObject({ malformed: 3_000, replayed: 1 });
    expect(uplink.skipped).toMatchObject({ pki: 1, no_key: 1 });
    const stats = await observer.next(`${BASE}/sync/stats`, (t) => ((json(t) as Stats).uplink_refused ?? 0) >= 3_001, before);
    expect((json(stats.text) as Stats).uplink_refused).toBeGreaterThanOrEqual(3_001);
  }, 60_000);

  /** A device the radio has not heard, whose true key the uplink reports; its nodes/<id> is out. */
  async function heardOnlyViaUplink(): Promise<{ num: number; id: string; mark: number }> {
    const [device] = bridge.sim.addDevices(1);
    const mark = observer.mark();
    await gateways.publish(nodeInfoEnvelope({ from: device!.num, key: Buffer.from(device!.publicKey!), gateway: "!0badf00d" }));
    await observer.next(nodeTopic(device!.num), (t) => (json(t) as NodePayload).key_source === "uplink:!0badf00d", mark);
    return { num: device!.num, id: nodeIdOf(device!.num), mark };
  }

  it("does not push an uplink key into the radio", async () => {
    const { id } = await heardOnlyViaUplink();
    const refused = await request("push", { id });
    expect(refused).toMatchObject({ status: "error" });
    expect(refused.error).toMatch(/uplink:!0badf00d/);
  });

  // The same key from our radio confirms the uplink's claim (CONTRACT.md): pushable then.
  it("confirms the key once the radio hears the node with it, without an alert", async () => {
    const { num, id, mark } = await heardOnlyViaUplink();
    bridge.sim.deliverNodeInfo(num);
    expect((await request("sync", {})).status).toBe("ok");
    const pushed = await request("push", { id });
    expect(pushed).toMatchObject({ status: "ok", data: { sent: false, confirmed: true } });
    const alerts = observer.on(`${BASE}/bridge/event`, mark).map((m) => json(m.text) as { type: string; data: { id?: string } });
    // Not even a key_added: a claim is announced by its nodes/<id> alone.
    expect(alerts.filter((e) => e.data.id === id)).toEqual([]);
  });

  it("a forged key for a node the radio knows changes nothing held, and raises one key_conflict", async () => {
    const known = [...bridge.sim.nodes.values()].find((n) => n.publicKey !== null && n.num !== bridge.sim.ownNode.num)!;
    const held = json((await observer.next(nodeTopic(known.num), (t) => (json(t) as NodePayload).has_key)).text) as NodePayload;
    const mark = observer.mark();
    await gateways.publish(nodeInfoEnvelope({ from: known.num, key: randomBytes(32), gateway: "!00baddad" }));
    // key_changed would mean the claim overruled our radio: the wait takes either, to fail fast.
    const event = await observer.next(`${BASE}/bridge/event`, (t) => ["key_conflict", "key_changed"].includes((json(t) as { type: string }).type) && (json(t) as { data: { id?: string } }).data.id === known.id, mark);
    expect((json(event.text) as { type: string }).type).toBe("key_conflict");
    const now = observer.on(nodeTopic(known.num), mark).map((m) => json(m.text) as NodePayload);
    for (const v of now) expect(v.public_key).toBe(held.public_key);
  });
});

describe("firmware 2.8 signed NodeInfos on the uplink", () => {
  it("a self-certified NodeInfo is confirmed at once; an unsigned one stays a claim", async () => {
    const signer = makeSigner();
    const mark = observer.mark();
    await gateways.publish(signedNodeInfoEnvelope(signer, { gateway: "!0badf00d" }));
    const signed = json((await observer.next(nodeTopic(signer.nodeNum), (t) => (json(t) as NodePayload).has_key, mark)).text) as NodePayload & { confirmed: boolean; signed: boolean };
    expect(signed).toMatchObject({ key_source: "uplink:!0badf00d", confirmed: true, signed: true });
    // Confirmed: it may be pushed into the radio, which lacks it.
    expect(await request("push", { id: nodeIdOf(signer.nodeNum) })).toMatchObject({ status: "ok", data: { sent: true } });

    const plain = makeSigner();
    const mark2 = observer.mark();
    await gateways.publish(nodeInfoEnvelope({ from: plain.nodeNum, key: plain.publicKey, gateway: "!0badf00d" }));
    const unsigned = json((await observer.next(nodeTopic(plain.nodeNum), (t) => (json(t) as NodePayload).has_key, mark2)).text) as NodePayload & { confirmed: boolean; signed: boolean };
    expect(unsigned).toMatchObject({ key_source: "uplink:!0badf00d", confirmed: false, signed: false });
  });
});

describe("the uplink's figures in /metrics", () => {
  it("exports the stats figures and the uplink connection's health, as bridge/health shows them", async () => {
    await gateways.publish(textEnvelope(0x1234, "for the metrics"));
    await observer.next(`${BASE}/bridge/health`, (t) => ((json(t) as Health).uplink?.envelopes ?? 0) >= 1);
    const s = samples((await get(bridge.app.addresses.metrics as string, "/metrics")).body);
    expect(s.get('meshtastic_keysync_uplink{figure="health_connected"}')).toBe(1);
    expect(s.get('meshtastic_keysync_uplink{figure="health_envelopes"}')).toBeGreaterThanOrEqual(1);
    expect(s.get('meshtastic_keysync_uplink{figure="envelopes"}')).toBeGreaterThanOrEqual(1);
  });
});
