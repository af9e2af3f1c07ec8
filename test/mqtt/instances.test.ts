// Two bridge instances on one base topic, and retained requests: BridgeMqttClient against a
// real Mosquitto and the embedded aedes broker (neither behaviour depends on MQTT 5).
import { describe, expect, it } from "vitest";
import { RETAINED_REQUEST_ERROR } from "../../src/mqtt/retained-requests.js";
import { nextEvent } from "../helpers/events.js";
import { RecordingLog } from "../helpers/log.js";
import { json, publishOnce, retainedNow } from "../helpers/mqtt.js";
import { client, embedded, freshBase, mosquitto, observe, stopAfterEach } from "./trouble-rig.js";

stopAfterEach();

describe.each([
  ["mosquitto", async () => (await mosquitto()).url],
  ["aedes (embedded)", embedded],
])("two bridges on one base_topic, with %s", (_, startBroker) => {
  it("the second names the first in a warning and a bridge_conflict event; the first hears of the second too", async () => {
    const url = await startBroker();
    const base = freshBase();
    const o = await observe(url, [`${base}/bridge/event`]);
    const first = client(url, base, { instance: "aaaaaaaaaaaa" });
    first.start();
    await first.whenConnected();
    const log = new RecordingLog();
    const second = client(url, base, { instance: "bbbbbbbbbbbb", log });
    const firstHears = nextEvent<{ instance: string }>(first, "conflict");
    second.start();
    // Each raises the event, naming the other.
    for (const [own, other] of [["bbbbbbbbbbbb", "aaaaaaaaaaaa"], ["aaaaaaaaaaaa", "bbbbbbbbbbbb"]]) {
      const event = await o.next(`${base}/bridge/event`, (t) => t.includes(`"own_instance":"${own}"`));
      expect(json(event.text)).toEqual({ type: "bridge_conflict", data: { topic: `${base}/bridge/state`, instance: other, own_instance: own } });
    }
    expect((await firstHears).instance).toBe("bbbbbbbbbbbb");
    expect(log.find("warn", "another bridge instance is online on this base_topic").map((r) => r.obj.topic)).toEqual([`${base}/bridge/state`]);
  });

  it("a stopping bridge leaves the other's online standing; the other answers an offline written over it with online", async () => {
    const url = await startBroker();
    const base = freshBase();
    const state = `${base}/bridge/state`;
    const o = await observe(url, [state]);
    const a = client(url, base, { instance: "aaaaaaaaaaaa" });
    a.start();
    await o.next(state, (t) => t.includes("aaaaaaaaaaaa"));
    const b = client(url, base, { instance: "bbbbbbbbbbbb" });
    const aHeard = nextEvent(a, "conflict");
    b.start();
    await aHeard; // a has seen b's online: b wrote last
    await a.stop(); // must not write offline over b's online
    expect(json((await retainedNow(url, state))!)).toEqual({ state: "online", instance: "bbbbbbbbbbbb" });

    // b crashes: the broker writes b's will; a third instance, still running, answers it.
    const c = client(url, base, { instance: "cccccccccccc" });
    const cHeard = nextEvent(c, "conflict");
    c.start();
    await cHeard;
    const mark = o.mark();
    b.destroySocket();
    await o.next(state, (t) => t === JSON.stringify({ state: "offline", instance: "bbbbbbbbbbbb" }), mark);
    await o.next(state, (t) => t === JSON.stringify({ state: "online", instance: "cccccccccccc" }), mark);
  });
});

describe.each([
  ["mosquitto", async () => (await mosquitto()).url],
  ["aedes (embedded)", embedded],
])("retained requests, with %s", (_, startBroker) => {
  it("are refused with an error response, named once in a warning and cleared; live ones still reach the handler", async () => {
    const url = await startBroker();
    const base = freshBase();
    const request = `${base}/bridge/request/interval`;
    await publishOnce(url, request, JSON.stringify({ value: 600, transaction: "kept" }), true);
    const o = await observe(url, [`${base}/bridge/response/#`]);
    const log = new RecordingLog();
    const c = client(url, base, { log });
    const handled: string[] = [];
    c.subscribe(`${base}/bridge/request/#`, (_topic, payload) => {
      handled.push(payload.toString());
      c.publish(`${base}/bridge/response/interval`, { status: "ok", data: {}, transaction: "live" });
    });
    c.start();
    const refusal = await o.next(`${base}/bridge/response/interval`);
    expect(json(refusal.text)).toEqual({ status: "error", error: RETAINED_REQUEST_ERROR, data: {}, transaction: "kept" });
    expect(log.find("warn", "refused a retained request").map((r) => r.obj)).toEqual([{ topic: request }]);
    expect(await retainedNow(url, request)).toBeNull();
    // A live request goes through; our own clearing of the retained one never did.
    await publishOnce(url, request, "900");
    await o.next(`${base}/bridge/response/interval`, (t) => t.includes("live"));
    expect(handled).toEqual(["900"]);
  });
});
