// The request subscription tests itself (issue 24 item 9): Mosquitto 2.0's ACL file never
// refuses a subscription (SUBACK 0) but delivers only what the ACL lets the client read.
// The probe's wait runs on a held clock: the test ends it once the probe was accepted.
import { describe, expect, it } from "vitest";
import type { Denied } from "../../src/mqtt/client-troubles.js";
import type { MqttHealthSnapshot } from "../../src/mqtt/health.js";
import { HeldClock } from "../helpers/clock.js";
import { nextEvent } from "../helpers/events.js";
import { RecordingLog } from "../helpers/log.js";
import { publishOnce } from "../helpers/mqtt.js";
import { client, freshBase, mosquitto, stopAfterEach } from "./trouble-rig.js";

stopAfterEach();

describe("the request subscription's self-test", () => {
  it.each([5, 4] as const)("MQTT %s: an ACL that grants the subscription but denies reading it is named in a warning and bridge/health", async (protocolVersion) => {
    const base = freshBase();
    // Everything of ours readable and writable except the requests, which we may only write.
    const acl = [`topic readwrite ${base}/+/+`, `topic readwrite ${base}/bridge/response/#`, `topic write ${base}/bridge/request/#`].join("\n");
    const broker = await mosquitto({ acl });
    const log = new RecordingLog();
    const clock = new HeldClock();
    const c = client(broker.url, base, { log, clock, protocolVersion });
    const requests: string[] = [];
    c.subscribe(`${base}/bridge/request/#`, (topic) => void requests.push(topic));
    const denied = nextEvent<Denied>(c, "denied");
    const shown = nextEvent<MqttHealthSnapshot>(c, "health", (h) => h.mqtt.denied_subscribe.length > 0);
    c.start();
    const wait = await clock.nextSleep(); // asked for once the broker accepted the probe
    expect(wait.ms).toBe(10_000);
    wait.end();
    const filter = `${base}/bridge/request/#`;
    const d = await denied;
    expect(d).toMatchObject({ kind: "subscribe", topic: filter });
    expect(d.reason).toContain(`an ACL that denies reading ${filter}`);
    expect(log.find("warn", "delivers nothing").map((r) => r.obj)).toEqual([{ topic: filter, reason: d.reason }]);
    // The client publishes this snapshot as the retained bridge/health.
    expect((await shown).mqtt.denied_subscribe).toEqual([{ topic: filter, reason: d.reason }]);
    expect(requests).toEqual([]);
  });

  it("a broker that delivers: the probe comes back before its PUBACK, nothing is reported or waited for, and it never reaches a request handler", async () => {
    const base = freshBase();
    const broker = await mosquitto();
    const log = new RecordingLog();
    const cameBack = logged(log, "probe came back");
    const clock = new HeldClock();
    const c = client(broker.url, base, { log, clock });
    const denied: Denied[] = [];
    c.on("denied", (d) => denied.push(d));
    const requests: string[] = [];
    let stats: () => void = () => undefined;
    const statsArrived = new Promise<void>((resolve) => (stats = resolve));
    c.subscribe(`${base}/bridge/request/#`, (topic) => {
      requests.push(topic);
      if (topic.endsWith("/stats")) stats();
    });
    c.start();
    await cameBack;
    await publishOnce(broker.url, `${base}/bridge/request/stats`, "");
    await statsArrived;
    expect(requests).toEqual([`${base}/bridge/request/stats`]);
    expect(denied).toEqual([]);
    expect(clock.waiting).toBe(0);
  });
});

/** Resolves when `log` records a debug message containing `text`. */
function logged(log: RecordingLog, text: string): Promise<void> {
  return new Promise((resolve) => {
    const debug = log.debug;
    log.debug = (obj, msg) => {
      debug(obj, msg);
      if (msg.includes(text)) resolve();
    };
  });
}
