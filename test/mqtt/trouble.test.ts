// BridgeMqttClient against a real Mosquitto that makes trouble: an ACL, dynamic security,
// max_packet_size, a second client with our client_id. Every wait is for an event, a
// message or a sleep the client asks for.
import { describe, expect, it } from "vitest";
import type { Denied } from "../../src/mqtt/client-troubles.js";
import type { MqttHealthSnapshot } from "../../src/mqtt/health.js";
import { publishPacketBytes } from "../../src/mqtt/reasons.js";
import { HeldClock } from "../helpers/clock.js";
import { nextEvent } from "../helpers/events.js";
import { RecordingLog } from "../helpers/log.js";
import { json, retainedNow } from "../helpers/mqtt.js";
import { ScriptedBroker } from "../helpers/scripted-broker.js";
import { client, freshBase, mosquitto, observe, onCleanup, stopAfterEach } from "./trouble-rig.js";

stopAfterEach();


const health = (text: string): MqttHealthSnapshot["mqtt"] => (json(text) as MqttHealthSnapshot).mqtt;

describe("denied publishes and subscriptions are named", () => {
  it("MQTT 5: a publish the ACL denies is logged once with topic and reason, reported, and listed in bridge/health", async () => {
    const base = freshBase();
    const broker = await mosquitto({ acl: `topic readwrite #\ntopic deny ${base}/bridge/info\ntopic deny ${base}/secret/#` });
    const log = new RecordingLog();
    const c = client(broker.url, base, { log });
    const denied: Denied[] = [];
    c.on("denied", (d) => denied.push(d));
    const watcher = await observe(broker.url, [`${base}/bridge/health`]);
    c.start();
    await c.whenConnected();
    c.publishRetained(`${base}/bridge/info`, { version: "1" });
    c.publishRetained(`${base}/bridge/info`, { version: "2" }); // the same topic again: no second report
    c.publishRetained(`${base}/secret/x`, "s");
    // PUBACKs come back in order: once the second topic is reported, the repeat was answered too.
    await nextEvent<Denied>(c, "denied", (d) => d.topic === `${base}/secret/x`);
    expect(denied).toEqual([
      { kind: "publish", topic: `${base}/bridge/info`, reason: "not authorized (0x87)" },
      { kind: "publish", topic: `${base}/secret/x`, reason: "not authorized (0x87)" },
    ]);
    expect(log.find("warn", "refused a publish").map((r) => r.obj)).toEqual([
      { topic: `${base}/bridge/info`, reason: "not authorized (0x87)" },
      { topic: `${base}/secret/x`, reason: "not authorized (0x87)" },
    ]);
    const shown = await watcher.next(`${base}/bridge/health`, (t) => health(t).denied_publish.length === 2);
    expect(health(shown.text)).toMatchObject({ protocol: "5", denied_subscribe: [], reconnects: 0 });
  });

  describe.each([
    [5, "not authorized (0x87)"],
    [4, "unspecified error (0x80)"],
  ] as const)("MQTT %s: a subscription the broker refuses", (protocolVersion, reason) => {
    it("is logged with the filter and the SUBACK reason and listed in bridge/health; the others are not", async () => {
      const base = freshBase();
      const broker = await mosquitto({
        dynamicSecurity: {
          defaultACLAccess: { publishClientSend: true, publishClientReceive: true, subscribe: true, unsubscribe: true },
          clients: [],
          groups: [{ groupname: "anonymous", roles: [{ rolename: "no-requests" }] }],
          anonymousGroup: "anonymous",
          roles: [{ rolename: "no-requests", acls: [{ acltype: "subscribePattern", topic: `${base}/bridge/request/#`, priority: 0, allow: false }] }],
        },
      });
      const log = new RecordingLog();
      const c = client(broker.url, base, { log, protocolVersion });
      c.subscribe(`${base}/bridge/request/#`, () => undefined);
      c.subscribe(`${base}/other/#`, () => undefined);
      const refused = nextEvent<Denied>(c, "denied");
      const reported = nextEvent<MqttHealthSnapshot>(c, "health", (h) => h.mqtt.denied_subscribe.length > 0);
      c.start();
      expect(await refused).toEqual({ kind: "subscribe", topic: `${base}/bridge/request/#`, reason });
      expect((await reported).mqtt.denied_subscribe).toEqual([{ topic: `${base}/bridge/request/#`, reason }]);
      expect(log.find("warn", "refused a subscription").map((r) => r.obj)).toEqual([{ topic: `${base}/bridge/request/#`, reason }]);
      expect(await retainedNow(broker.url, `${base}/bridge/health`)).toContain(`${base}/bridge/request/#`);
    });
  });
});

describe("max_packet_size", () => {
  it("MQTT 5: a publish over the broker's announced maximum is not sent but reported; one at the maximum goes through; the connection stays", async () => {
    const base = freshBase();
    const max = 512;
    const broker = await mosquitto({ maxPacketSize: max });
    const c = client(broker.url, base);
    let drops = 0;
    c.on("disconnect", () => drops++);
    const o = await observe(broker.url, [`${base}/#`]);
    c.start();
    await c.whenConnected();
    const fits = `${base}/fits`;
    const over = `${base}/over`;
    const payloadFor = (topic: string, bytes: number): string => {
      let n = bytes - publishPacketBytes(topic, 0, 1, true);
      while (publishPacketBytes(topic, n, 1, true) > bytes) n--;
      return "x".repeat(n);
    };
    c.publishRetained(over, payloadFor(over, max + 1));
    c.publishRetained(fits, payloadFor(fits, max));
    expect((await o.next(fits)).text).toHaveLength(payloadFor(fits, max).length);
    const shown = await o.next(`${base}/bridge/health`, (t) => health(t).denied_publish.length > 0);
    expect(health(shown.text)).toMatchObject({ protocol: "5", max_packet_size: max, denied_publish: [{ topic: over, reason: `packet too large for the broker's maximum of ${max} bytes` }] });
    // Still the same connection: a later publish arrives without any drop in between.
    c.publishRetained(`${base}/after`, "still here");
    await o.next(`${base}/after`);
    expect(drops).toBe(0);
    expect(o.on(over)).toEqual([]);
  });

  it("MQTT 3.1.1 (no maximum announced): dropped right after every connect, the client backs off, doubling, instead of reconnecting at the minimum", async () => {
    const base = freshBase();
    const broker = await mosquitto({ maxPacketSize: 256 });
    const clock = new HeldClock();
    const log = new RecordingLog();
    const c = client(broker.url, base, { protocolVersion: 4, clock, log, reconnect: { minMs: 20, maxMs: 1_000 } });
    let connects = 0;
    // As the app does on every connect: republish the current state, one part of it too large.
    c.on("connect", () => {
      connects++;
      c.publishRetained(`${base}/bridge/info`, "i".repeat(1_000), { force: true });
    });
    c.start();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const sleep = await clock.nextSleep();
      waits.push(sleep.ms);
      sleep.end();
    }
    expect(connects).toBeGreaterThanOrEqual(5); // each wait followed a connection the broker accepted
    [20, 40, 80, 160, 320].forEach((ms, i) => {
      expect(waits[i]).toBeGreaterThanOrEqual(ms * 0.8);
      expect(waits[i]).toBeLessThanOrEqual(ms * 1.2);
    });
    expect(log.find("warn", "keeps closing the connection soon after accepting it")).toHaveLength(1);
    expect(log.find("warn", "MQTT connection lost")).toHaveLength(1); // the same reason is named once
    await nextEvent<MqttHealthSnapshot>(c, "health", (h) => h.mqtt.reconnects >= 5);
  });
});

describe("a second client with our client_id", () => {
  it("MQTT 5 reason 0x8E (session taken over) is named in a warning and bridge/health, and the client waits its takeover pause instead of fighting back", async () => {
    const broker = await ScriptedBroker.start();
    onCleanup(() => broker.stop());
    const clock = new HeldClock();
    const log = new RecordingLog();
    const c = client(broker.url, freshBase(), { clientId: "same-id", clock, log, reconnect: { minMs: 20, maxMs: 200, takeoverPauseMs: 120_000 } });
    const connection = broker.nextConnection();
    const reported = nextEvent<MqttHealthSnapshot>(c, "health", (h) => h.mqtt.last_disconnect_reason !== null);
    c.start();
    broker.disconnect(await connection, 0x8e);
    const pause = await clock.nextSleep();
    expect(pause.ms).toBeGreaterThanOrEqual(120_000 * 0.8);
    expect(log.find("warn", "MQTT session taken over").map((r) => r.obj.clientId)).toEqual(["same-id"]);
    expect((await reported).mqtt.last_disconnect_reason).toMatch(/^session taken over \(0x8e\): another client connected with the same client_id/);
    expect(broker.connects).toBe(1); // no fight: still waiting
  });

  it("Mosquitto closes a taken-over session without a reason: both clients back off, doubling, and name the likely causes, the client_id among them", async () => {
    const base = freshBase();
    const broker = await mosquitto();
    const clocks = [new HeldClock(), new HeldClock()];
    const logs = [new RecordingLog(), new RecordingLog()];
    const clients = [0, 1].map((i) => client(broker.url, base, { clientId: `${base}-same`, clock: clocks[i], log: logs[i], reconnect: { minMs: 20, maxMs: 2_000 } }));
    clients[0]!.start();
    await clients[0]!.whenConnected();
    clients[1]!.start(); // takes the session: the first is dropped
    const waits: number[][] = [[], []];
    for (let round = 0; round < 8; round++) {
      const i = round % 2; // each reconnect drops the other
      const sleep = await clocks[i]!.nextSleep();
      waits[i]!.push(sleep.ms);
      sleep.end();
    }
    for (const mine of waits) {
      [20, 40, 80, 160].forEach((ms, n) => {
        expect(mine[n]).toBeGreaterThanOrEqual(ms * 0.8);
        expect(mine[n]).toBeLessThanOrEqual(ms * 1.2);
      });
    }
    for (const log of logs) expect(log.find("warn", "keeps closing the connection soon after accepting it")[0]?.msg).toContain("same client_id");
  });
});
