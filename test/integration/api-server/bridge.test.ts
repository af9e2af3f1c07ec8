// The API server in the whole bridge (startApp from a config file): sync/stats api_clients,
// the clients in bridge/info, the Home Assistant sensor, a port in use, and the real 2.7.26
// capture behind the bridge.
import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { ApiServer } from "../../../src/api-server/server.js";
import { KeyDirectory } from "../../../src/directory/keys.js";
import { decodeFromRadio, encodeFromRadioMessage, wantConfig } from "../../../src/protocol/messages.js";
import { MeshtasticRadio } from "../../../src/radio/meshtastic.js";
import { startBridge, type RunningBridge } from "../../helpers/app.js";
import { nextEvent } from "../../helpers/events.js";
import { Observer, json } from "../../helpers/mqtt.js";
import { loadCaptureFrames, startReplayServer } from "../../helpers/replay-server.js";
import { TestClient, kinds } from "../../sim/client.js";

const BASE = "meshtastic-keysync";
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function bridge(config: Record<string, unknown> = {}): Promise<RunningBridge> {
  const b = await startBridge({ api_server: { enabled: true, port: 0, ...config } });
  cleanups.push(() => b.stop());
  return b;
}

const port = (b: RunningBridge) => Number(b.app.addresses.api?.split(":").at(-1));

describe("the API server in the bridge", () => {
  it("counts its clients in sync/stats, lists them in bridge/info and announces the Home Assistant sensor", async () => {
    const b = await bridge();
    const o = await Observer.connect(b.mqttUrl, [`${BASE}/#`, "homeassistant/sensor/+/api_clients/config"]);
    cleanups.push(() => o.close());
    const sensor = json((await o.next("homeassistant/sensor/meshtastic-keysync/api_clients/config")).text);
    expect(sensor).toMatchObject({ state_topic: `${BASE}/sync/stats`, value_template: "{{ value_json.api_clients }}" });
    const client = await TestClient.connect(port(b));
    client.send(wantConfig(7));
    await client.waitComplete(7);
    const address = `${client.socket.localAddress}:${client.socket.localPort}`;
    await o.next(`${BASE}/sync/stats`, (t) => (json(t) as { api_clients: number }).api_clients === 1);
    const info = await o.next(`${BASE}/bridge/info`, (t) => (json(t) as { api_server?: { clients: unknown[] } }).api_server?.clients.length === 1);
    const listed = (json(info.text) as { api_server: { address: string; clients: { address: string; connected_at: string }[] } }).api_server;
    expect(listed.address).toBe(b.app.addresses.api);
    expect(listed.clients.map((c) => c.address)).toEqual([address]);
    expect(Date.parse(listed.clients[0]?.connected_at ?? "")).toBeGreaterThan(0);
    const mark = o.mark();
    await client.close();
    await o.next(`${BASE}/sync/stats`, (t) => (json(t) as { api_clients: number }).api_clients === 0, mark);
    await o.next(`${BASE}/bridge/info`, (t) => (json(t) as { api_server: { clients: unknown[] } }).api_server.clients.length === 0, mark);
    expect(b.sim.stats.forceCloses).toBe(0);
  });

  it("fails to start, naming the port, when the API server's port is in use", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const used = (taken.address() as { port: number }).port;
    await expect(startBridge({ api_server: { enabled: true, port: used } })).rejects.toThrow(`api_server: 127.0.0.1:${used} is already in use`);
  });

  it("serves the real 2.7.26 handshake behind the bridge complete, without the private key", async () => {
    const replay = await startReplayServer();
    cleanups.push(() => replay.stop());
    const radio = new MeshtasticRadio({ host: "127.0.0.1", port: replay.port, cacheHandshake: true });
    const directory = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: new Set() });
    const keys = { shareable: (num: number) => directory.shareable(num, ["*"]), get: (num: number) => directory.get(num), records: () => [] };
    const server = new ApiServer({ host: "127.0.0.1", port: 0, maxClients: 8, admin: false, directoryNodes: false, radio, keys, changes: directory, filler: { fillIfMissing: () => Promise.resolve(false) }, timeoutMs: 5_000 });
    await server.start();
    cleanups.push(() => radio.stop());
    cleanups.push(() => server.stop());
    const up = nextEvent(radio, "dump");
    radio.start();
    await up;
    const client = await TestClient.connect(server.port);
    cleanups.push(() => client.close());
    client.send(wantConfig(0x0abc));
    const done = await client.waitComplete(0x0abc);
    const capture = loadCaptureFrames();
    // my_info ... the file manifest, as the radio sent them (its config_complete_id had its own nonce).
    expect(done).toBe(45);
    expect(kinds(client.frames.slice(0, done))).toEqual(kinds(capture.slice(0, 45).map((f) => decodeFromRadio(f))));
    const secret = "b0609f8f35ee22e7de8217d555e1e256595b080e1b0a6864536ea7397bcc735f";
    expect(capture.some((f) => Buffer.from(f).toString("hex").includes(secret))).toBe(true);
    const served = client.frames.map((f) => Buffer.from(encodeFromRadioMessage(f)).toString("hex")).join("");
    expect(served).not.toContain(secret.slice(0, 24));
  });
});
