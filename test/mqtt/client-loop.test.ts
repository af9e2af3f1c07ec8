// BridgeMqttClient's reconnect loop on its injected clock, and its log records.
import { describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { BridgeMqttClient } from "../../src/mqtt/client.js";
import { HeldClock } from "../helpers/clock.js";
import { RecordingLog } from "../helpers/log.js";
import { freePort } from "../helpers/mosquitto.js";

describe("BridgeMqttClient's reconnect loop", () => {
  it("after every failed attempt waits the backoff on its clock, doubling to the cap, and stops waiting at stop()", async () => {
    const clock = new HeldClock();
    const client = new BridgeMqttClient({
      url: `mqtt://127.0.0.1:${await freePort()}`, // nobody listens: every attempt fails
      baseTopic: "nobroker",
      reconnect: { minMs: 100, maxMs: 800 },
      clock,
    });
    client.start();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sleep = await clock.nextSleep();
      waits.push(sleep.ms);
      sleep.end(); // the next attempt starts, fails, and the next sleep follows
    }
    const expected = [100, 200, 400, 800, 800];
    waits.forEach((ms, i) => {
      expect(ms).toBeGreaterThanOrEqual(expected[i]! * 0.8);
      expect(ms).toBeLessThanOrEqual(expected[i]! * 1.2);
    });
    await clock.nextSleep(); // waiting in the backoff now
    await client.stop(); // ends the wait; no attempt follows
    expect(clock.waiting).toBe(0);
  });
});

describe("BridgeMqttClient logging", () => {
  it("logs structured fields, the URL's password as ***, and a failing connect listener without stopping the others", async () => {
    const broker = new EmbeddedBroker({ port: 0, username: "bridge", password: "pw-93c1e0" });
    await broker.start();
    const log = new RecordingLog();
    const client = new BridgeMqttClient({ url: `mqtt://bridge:pw-93c1e0@127.0.0.1:${broker.port}`, baseTopic: "logs", log });
    let heard: () => void = () => {};
    const third = new Promise<void>((resolve) => (heard = resolve));
    client.on("connect", () => {
      throw new Error("first listener broke");
    });
    // An async listener whose promise rejects: the client must not leave that unhandled.
    // eslint-disable-next-line @typescript-eslint/no-misused-promises
    client.on("connect", () => Promise.reject(new Error("second listener rejected")));
    client.on("connect", () => heard());
    try {
      client.start();
      await third; // the third listener still ran
      await client.whenConnected();
      await new Promise<void>((resolve) => setImmediate(resolve)); // the rejection is logged
      // aedes speaks 3.1.1 only: the client fell back from MQTT 5.
      expect(log.records.find((r) => r.msg === "MQTT connected")?.obj).toEqual({ url: `mqtt://bridge:***@127.0.0.1:${broker.port}`, protocol: "3.1.1", maxPacketSize: null });
      expect(log.find("error", "MQTT listener failed").map((r) => r.obj)).toEqual([
        { event: "connect", err: "first listener broke" },
        { event: "connect", err: "second listener rejected" },
      ]);
      expect(client.connected).toBe(true);
      expect(JSON.stringify(log.records)).not.toContain("pw-93c1e0");
    } finally {
      await client.stop();
      await broker.stop();
    }
  });
});
