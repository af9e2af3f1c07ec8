// "Sync now" pressed while the radio is down: Home Assistant sees it (the event entity gets
// sync_failed with the reason, "Last error" shows it), not only bridge/response/sync.
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { SimRadio } from "../../src/sim/index.js";
import { startBridge } from "../helpers/app.js";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of running.splice(0).reverse()) await stop();
});

describe("a failed sync in Home Assistant", () => {
  it("Sync now with the radio down raises sync_failed and sets last_error", async () => {
    const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
    await broker.start();
    running.push(() => broker.stop());
    const observer = await Observer.connect(broker.url, [`${BASE}/#`]);
    running.push(() => observer.close());
    // A port where no radio listens.
    const probe = new SimRadio({ port: 0, nodes: 0 });
    const { port } = await probe.start();
    await probe.stop();
    const bridge = await startBridge({ mqtt: { server: broker.url }, radio: { port } }, { nodes: 0 });
    running.push(() => bridge.stop());
    await observer.next(`${BASE}/bridge/state`, (t) => t.includes("online"));

    const mark = observer.mark();
    await publishOnce(broker.url, `${BASE}/bridge/request/sync`, "PRESS");
    const response = json((await observer.next(`${BASE}/bridge/response/sync`, () => true, mark)).text);
    expect(response).toMatchObject({ status: "error", error: "the radio is not connected" });
    const event = json((await observer.next(`${BASE}/bridge/event`, (t) => t.includes("sync_failed"), mark)).text);
    expect(event).toEqual({ type: "sync_failed", data: { reason: "the radio is not connected" } });
    const stats = await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { last_error: string | null }).last_error === "the radio is not connected", mark);
    expect(json(stats.text)).toMatchObject({ sync_count: 0, last_sync_iso: null });
    // No sync happened: nothing for the Last sync timestamp to read.
    expect(observer.on(`${BASE}/sync/last`)).toEqual([]);
  });
});
