// BridgeMqttClient against real brokers: the embedded aedes broker and a real Mosquitto
// (scripts/ensure-package.sh installs it). Every wait is for a message or an event.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { BridgeMqttClient, type BridgeClientOptions } from "../../src/mqtt/client.js";
import { Mosquitto } from "../helpers/mosquitto.js";
import { Observer, publishOnce } from "../helpers/mqtt.js";

interface TestBroker {
  url: string;
  /** Stops the broker (losing retained messages) and starts it again on the same port. */
  restart(between?: () => Promise<void>): Promise<void>;
  stop(): Promise<void>;
}

async function embedded(): Promise<TestBroker> {
  let broker = new EmbeddedBroker({ port: 0 });
  await broker.start();
  const port = broker.port;
  return {
    url: broker.url,
    async restart(between) {
      await broker.stop();
      await between?.();
      broker = new EmbeddedBroker({ port });
      await broker.start();
    },
    stop: () => broker.stop(),
  };
}

async function mosquitto(): Promise<TestBroker> {
  const broker = await Mosquitto.start();
  return {
    url: broker.url,
    async restart(between) {
      await broker.halt();
      await between?.();
      await broker.launch();
    },
    stop: () => broker.stop(),
  };
}

const INSTANCE = "a1b2c3d4e5f6";
const STATE_ONLINE = `{"state":"online","instance":"${INSTANCE}"}`;
const STATE_OFFLINE = `{"state":"offline","instance":"${INSTANCE}"}`;

describe.each([
  ["aedes (embedded)", embedded],
  ["mosquitto", mosquitto],
])("BridgeMqttClient with %s", (_, startBroker) => {
  let broker: TestBroker;
  const cleanups: Array<() => Promise<void>> = [];
  let base = "";
  let n = 0;

  beforeAll(async () => {
    broker = await startBroker();
  });
  afterAll(async () => {
    await broker.stop();
  });
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });

  function bridge(opts: Partial<BridgeClientOptions> = {}): BridgeMqttClient {
    const client = new BridgeMqttClient({
      url: broker.url,
      baseTopic: base,
      reconnect: { minMs: 20, maxMs: 200 },
      instance: INSTANCE,
      ...opts,
    });
    cleanups.push(() => client.stop());
    return client;
  }
  async function observe(...filters: string[]): Promise<Observer> {
    const observer = await Observer.connect(broker.url, filters);
    cleanups.push(() => observer.close());
    return observer;
  }
  // A fresh base topic per test, so retained messages of one test never reach another.
  const next = () => (base = `kt${++n}-${Math.random().toString(16).slice(2, 8)}`);

  it("publishes online on connect, retained, and offline on a clean stop", async () => {
    next();
    const watcher = await observe(`${base}/bridge/state`);
    const client = bridge();
    client.start();
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_ONLINE);
    const late = await observe(`${base}/bridge/state`);
    expect(await late.next(`${base}/bridge/state`)).toMatchObject({ text: STATE_ONLINE, retain: true });

    await client.stop();
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_OFFLINE);
    const after = await observe(`${base}/bridge/state`);
    expect(await after.next(`${base}/bridge/state`)).toMatchObject({ text: STATE_OFFLINE, retain: true });
  });

  it("has the broker publish the will on a crash, then comes back online", async () => {
    next();
    const watcher = await observe(`${base}/bridge/state`);
    const client = bridge();
    client.start();
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_ONLINE);
    const mark = watcher.mark();
    client.destroySocket(); // no DISCONNECT: the broker must send the will
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_OFFLINE, mark);
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_ONLINE, watcher.mark());
  });

  it("publishes retained state only when it changes", async () => {
    next();
    const stats = `${base}/sync/stats`;
    const watcher = await observe(stats);
    const client = bridge();
    client.start();
    await client.whenConnected();
    client.publishRetained(stats, { sync_count: 1 });
    client.publishRetained(stats, { sync_count: 1 });
    client.publishRetained(stats, '{"sync_count":1}');
    client.publishRetained(stats, { sync_count: 2 });
    // QoS 1 from one client keeps order: once 2 is in, a duplicate 1 would have been too.
    await watcher.next(stats, (t) => t === '{"sync_count":2}');
    expect(watcher.on(stats).map((m) => m.text)).toEqual(['{"sync_count":1}', '{"sync_count":2}']);
  });

  it("after a broker restart: online again, offline updates flushed, a connect listener republishes", async () => {
    next();
    let connects = 0;
    let connected: () => void = () => {};
    let disconnected: () => void = () => {};
    const client = bridge();
    client.on("disconnect", () => disconnected());
    client.on("connect", () => {
      connects++;
      // The app republishes its current retained state here (change-only, so no dupes).
      client.publishRetained(`${base}/bridge/info`, { version: "test", connects: connects > 0 });
      connected();
    });
    const firstConnect = new Promise<void>((resolve) => (connected = resolve));
    client.start();
    await firstConnect;
    client.publishRetained(`${base}/sync/stats`, { sync_count: 1 });
    const seen = await observe(`${base}/#`);
    await seen.next(`${base}/sync/stats`);

    const reconnected = new Promise<void>((resolve) => (connected = resolve));
    const lost = new Promise<void>((resolve) => (disconnected = resolve));
    // While the broker is down: the update is kept (latest only) and the caller is not blocked.
    await broker.restart(async () => {
      await lost;
      expect(client.connected).toBe(false);
      client.publishRetained(`${base}/sync/stats`, { sync_count: 2 });
      client.publishRetained(`${base}/sync/stats`, { sync_count: 3 });
      expect(client.publish(`${base}/bridge/event`, { type: "sync_failed", data: {} })).toBe(false);
    });
    await reconnected;
    expect(connects).toBe(2);

    const fresh = await observe(`${base}/#`);
    expect((await fresh.next(`${base}/bridge/state`)).text).toBe(STATE_ONLINE);
    expect((await fresh.next(`${base}/sync/stats`)).text).toBe('{"sync_count":3}');
    expect(JSON.parse((await fresh.next(`${base}/bridge/info`)).text)).toEqual({ version: "test", connects: true });
    expect(fresh.on(`${base}/sync/stats`).map((m) => m.text)).toEqual(['{"sync_count":3}']);
  });

  it("routes subscribed messages, resubscribes after reconnect, and can ignore its own", async () => {
    next();
    const requests: string[] = [];
    const own: string[] = [];
    let got: () => void = () => {};
    const client = bridge();
    client.subscribe(`${base}/bridge/request/#`, (topic, payload) => {
      requests.push(`${topic.split("/").pop()}=${payload.toString()}`);
      got();
    });
    let ended: () => void = () => {};
    const end = new Promise<void>((resolve) => (ended = resolve));
    client.subscribe(
      `${base}/share/#`,
      (_, payload) => {
        own.push(payload.toString());
        if (payload.toString() === "end") ended();
      },
      { ignoreOwn: true },
    );
    client.start();
    await client.whenConnected();

    let arrived = new Promise<void>((resolve) => (got = resolve));
    await publishOnce(broker.url, `${base}/bridge/request/sync`, "PRESS");
    await arrived;

    const watcher = await observe(`${base}/bridge/state`);
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_ONLINE);
    const mark = watcher.mark();
    client.destroySocket();
    await watcher.next(`${base}/bridge/state`, (t) => t === STATE_ONLINE, mark);
    // The client subscribes before it announces `online`, so the subscription is in place.
    arrived = new Promise<void>((resolve) => (got = resolve));
    await publishOnce(broker.url, `${base}/bridge/request/interval`, "600");
    await arrived;
    expect(requests[0]).toBe("sync=PRESS");
    expect(requests).toContain("interval=600");

    client.publishRetained(`${base}/share/!a76f40da`, "mine");
    await publishOnce(broker.url, `${base}/share/!00000001`, "theirs");
    await publishOnce(broker.url, `${base}/share/!00000002`, "end");
    await end;
    expect(own).not.toContain("mine");
    expect(own).toContain("theirs");
  });
});

describe("BridgeMqttClient without a broker", () => {
  it("never blocks callers, drops events, and stops cleanly", async () => {
    const { freePort } = await import("../helpers/mosquitto.js");
    const client = new BridgeMqttClient({
      url: `mqtt://127.0.0.1:${await freePort()}`,
      baseTopic: "nobroker",
      reconnect: { minMs: 20, maxMs: 40 },
    });
    client.start();
    expect(client.publish("nobroker/bridge/event", {})).toBe(false);
    client.publishRetained("nobroker/sync/stats", { a: 1 });
    const waiting = client.whenConnected();
    await client.stop();
    await expect(waiting).rejects.toThrow(/stopped/);
  });
});
