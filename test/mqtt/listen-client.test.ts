// The uplink's listening client over a real (embedded) broker: it subscribes on every
// connect, hands messages over as bytes, reconnects after a lost connection with the one
// reconnect loop, and keeps its own health; it publishes nothing (no will, no state).
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { ListeningMqttClient } from "../../src/mqtt/listen-client.js";
import { Observer } from "../helpers/mqtt.js";

let broker: EmbeddedBroker | null = null;
let client: ListeningMqttClient | null = null;
afterEach(async () => {
  await client?.stop();
  await broker?.stop();
  client = broker = null;
});

function nextEvent<T extends unknown[]>(emitter: ListeningMqttClient, event: "message" | "health", test: (...args: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve) => {
    const on = (...args: unknown[]): void => {
      if (!test(...(args as T))) return;
      emitter.off(event, on);
      resolve(args as T);
    };
    emitter.on(event, on);
  });
}

describe("ListeningMqttClient", () => {
  it("receives what it subscribed to, again after a lost connection, and counts the reconnect", async () => {
    broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
    await broker.start();
    const watcher = await Observer.connect(broker.url, ["#"]);
    client = new ListeningMqttClient({ url: broker.url, filters: ["msh/#"], reconnect: { minMs: 20, maxMs: 50 } });
    const up = nextEvent(client, "health", () => client!.health().connected);
    client.start();
    await up;
    // Subscribed once connected: a message published now arrives.
    const first = nextEvent<[string, Buffer]>(client, "message");
    await watcher.client.publishAsync("msh/2/e/LongFast/!a1b2c3d4", Buffer.from([1, 2, 3]), { qos: 1 });
    const [topic, payload] = await first;
    expect(topic).toBe("msh/2/e/LongFast/!a1b2c3d4");
    expect([...payload]).toEqual([1, 2, 3]);

    const back = nextEvent(client, "health", () => client!.health().connected && client!.health().reconnects === 1);
    client.destroySocket();
    await back;
    const second = nextEvent<[string, Buffer]>(client, "message");
    await watcher.client.publishAsync("msh/US/2/e/LongFast/!a1b2c3d4", Buffer.from([4]), { qos: 1 });
    expect((await second)[0]).toBe("msh/US/2/e/LongFast/!a1b2c3d4");
    expect(client.health()).toMatchObject({ connected: true, reconnects: 1 });
    // Nothing of ours on that broker: only the test's two messages.
    expect(watcher.messages.map((m) => m.topic)).toEqual(["msh/2/e/LongFast/!a1b2c3d4", "msh/US/2/e/LongFast/!a1b2c3d4"]);
    await watcher.close();
  });

  it("reports the error while the broker is away, and stops cleanly", async () => {
    client = new ListeningMqttClient({ url: "mqtt://127.0.0.1:1", filters: ["msh/#"], reconnect: { minMs: 20, maxMs: 50 } });
    const failed = nextEvent(client, "health", () => client!.health().last_error !== null);
    client.start();
    await failed;
    expect(client.health()).toMatchObject({ connected: false, last_error: expect.stringMatching(/ECONNREFUSED/) as unknown });
  });
});
