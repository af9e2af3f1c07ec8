import { connect } from "node:net";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { BridgeMqttClient } from "../../src/mqtt/client.js";
import { Observer } from "../helpers/mqtt.js";

const brokers: EmbeddedBroker[] = [];
async function startBroker(opts: ConstructorParameters<typeof EmbeddedBroker>[0] = {}): Promise<EmbeddedBroker> {
  const broker = new EmbeddedBroker({ port: 0, ...opts });
  brokers.push(broker);
  await broker.start();
  return broker;
}
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.stop()));
});

describe("EmbeddedBroker", () => {
  it("listens on the port it got for port 0 and relays retained messages", async () => {
    const broker = await startBroker();
    expect(broker.port).toBeGreaterThan(0);
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const pub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    await pub.publishAsync("a/b", "hello", { qos: 1, retain: true });
    await pub.endAsync();
    const observer = await Observer.connect(broker.url, ["a/#"]);
    const m = await observer.next("a/b");
    expect(m).toMatchObject({ text: "hello", retain: true });
    await observer.close();
  });

  it("refuses wrong or missing credentials and accepts the right ones", async () => {
    const broker = await startBroker({ username: "bridge", password: "s3cret" });
    await expect(
      mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: "bridge", password: "wrong" }),
    ).rejects.toThrow(/Bad username or password/i);
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: "other", password: "s3cret" })).rejects.toThrow();
    await expect(mqtt.connectAsync(broker.url, { reconnectPeriod: 0 })).rejects.toThrow();
    const ok = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, username: "bridge", password: "s3cret" });
    expect(ok.connected).toBe(true);
    await ok.endAsync();

    const client = new BridgeMqttClient({ url: broker.url, baseTopic: "kb", username: "bridge", password: "s3cret" });
    client.start();
    await client.whenConnected();
    await client.stop();
  });

  it("requires both username and password, or neither", async () => {
    await expect(new EmbeddedBroker({ port: 0, username: "only" }).start()).rejects.toThrow(/both/);
  });

  it("fails to start on a port in use, cleanly", async () => {
    const first = await startBroker();
    const second = new EmbeddedBroker({ port: first.port });
    await expect(second.start()).rejects.toThrow(/EADDRINUSE/);
  });

  it("stop() closes connected and half-open clients and the server, leaving no handle", async () => {
    const handles = () => process.getActiveResourcesInfo().filter((r) => /TCP|Timeout/.test(r)).sort();
    const before = handles();
    const broker = await startBroker();
    const connected = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const closed = new Promise<void>((resolve) => connected.once("close", () => resolve()));
    // A raw socket that never sends CONNECT: aedes does not count it as a client yet.
    const raw = connect(broker.port, "127.0.0.1");
    await new Promise<void>((resolve) => raw.once("connect", () => resolve()));
    const rawClosed = new Promise<void>((resolve) => raw.once("close", () => resolve()));
    await broker.stop();
    await closed;
    await rawClosed;
    await connected.endAsync(true);
    await new Promise((resolve) => setImmediate(resolve)); // let closed sockets release their handles
    // No handle more than before of any kind; one that was there before (a timer of an
    // earlier test in this worker) may have ended meanwhile.
    const after = handles();
    const count = (list: string[], kind: string): number => list.filter((r) => r === kind).length;
    for (const kind of new Set([...before, ...after])) expect([kind, count(after, kind)]).toEqual([kind, Math.min(count(after, kind), count(before, kind))]);
    const refused = connect(broker.port, "127.0.0.1");
    await expect(new Promise((_, reject) => refused.once("error", reject))).rejects.toThrow(/ECONNREFUSED/);
  });
});
