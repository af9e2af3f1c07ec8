// A running bridge (simulated radio, embedded broker, metrics on port 0) scraped after a sync,
// a DM and a push: every family is there with values that fit what happened. /healthz follows
// the radio link: 503 while the simulator is gone, 200 once the bridge has reconnected to it.
import { describe, expect, it, onTestFinished } from "vitest";
import { SimRadio } from "../../src/sim/index.js";
import { BASE, observedBridge } from "../helpers/bridge-rig.js";
import { json } from "../helpers/mqtt.js";
import { get, samples } from "../helpers/prometheus.js";

const P = "meshtastic_keysync_";

describe("metrics of a running bridge", () => {
  it("after a sync, a DM and a push, each family shows it; /healthz goes 503 without the radio and 200 with it back", async () => {
    const { bridge, observer, request: ask } = await observedBridge({ push: { enabled: true }, metrics: { enabled: true, port: 0 } }, { nodes: 12, seed: 28 });
    const address = bridge.app.addresses.metrics as string;
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    const keyed = [...bridge.sim.nodes.values()].filter((n) => n.publicKey);
    for (const n of keyed) await observer.next(`${BASE}/nodes/${n.id}`);

    expect(await ask("send", { to: keyed[0]!.id, text: "metrics" })).toMatchObject({ status: "ok" });
    const lost = keyed[1]!;
    bridge.sim.evictNode(lost.num);
    expect(await ask("sync", {})).toMatchObject({ status: "ok" });
    expect(await ask("push", lost.id)).toMatchObject({ status: "ok", data: { sent: true } });

    const stats = (await ask("stats", {})).data as { sync_count: number; nodes_total: number; nodes_missing_key: number };
    const scraped = await get(address, "/metrics");
    expect(scraped.code).toBe(200);
    const s = samples(scraped.body);
    // Syncs: the handshake's, the requested one, the push's confirming re-read.
    expect(s.get(`${P}syncs_total`)).toBeGreaterThanOrEqual(3);
    expect(s.get(`${P}syncs_total`)).toBe(stats.sync_count);
    expect(s.get(`${P}sync_duration_seconds_count`)).toBe(stats.sync_count);
    expect(s.get(`${P}sync_failures_total`)).toBe(0);
    expect(s.get(`${P}last_sync_timestamp_seconds`)).toBeGreaterThan(Date.now() / 1000 - 600);
    const byStatus = ["ok", "missing", "weak", "duplicate", "changed", "radio_stale"].map((status) => s.get(`${P}keys{status="${status}"}`) ?? NaN);
    expect(byStatus.reduce((a, b) => a + b, 0)).toBe(stats.nodes_total);
    expect(s.get(`${P}keys{status="missing"}`)).toBe(stats.nodes_missing_key);
    expect(s.get(`${P}keys{status="ok"}`)).toBeGreaterThanOrEqual(keyed.length - 1);
    expect(s.get(`${P}nodes{where="directory"}`)).toBe(stats.nodes_total);
    expect(s.get(`${P}nodes{where="radio"}`)).toBeGreaterThan(0);
    expect(s.get(`${P}nodes{where="directory_only"}`)).toBeGreaterThanOrEqual(0);
    expect(s.get(`${P}radio_connected`)).toBe(1);
    expect(s.get(`${P}radio_reconnects_total`)).toBe(0);
    expect(s.get(`${P}mqtt_connected`)).toBe(1);
    expect(s.get(`${P}mqtt_reconnects_total`)).toBe(0);
    expect(s.get(`${P}api_clients`)).toBe(0);
    expect(s.get(`${P}send_queue`)).toBe(0);
    // The DM and the add_contact went through the pacer, the bridge's own.
    expect(s.get(`${P}send_waited_seconds_count{owner="bridge"}`)).toBeGreaterThanOrEqual(2);
    expect(s.get(`${P}pushes_total{outcome="sent",budget="bridge"}`)).toBe(1);
    expect(s.get(`${P}pushes_total{outcome="refused",budget="bridge"}`)).toBe(0);
    expect(s.get(`${P}push_budget_remaining{budget="bridge"}`)).toBe(19);
    expect(s.get(`${P}store_write_duration_seconds_count`)).toBeGreaterThanOrEqual(1);
    expect(s.get(`${P}store_journal_bytes`)).toBeGreaterThanOrEqual(0);
    expect(s.get(`${P}store_write_failures_total`)).toBe(0);
    expect([...s.keys()].some((k) => k.startsWith(`${P}info{version=`))).toBe(true);

    expect(JSON.parse((await get(address, "/healthz")).body)).toEqual({ status: "ok", radio: "connected", mqtt: "connected" });
    const port = bridge.sim.address.port;
    let mark = observer.mark();
    await bridge.sim.stop();
    await observer.next(`${BASE}/radio/state`, (t) => (json(t) as { state: string }).state !== "connected", mark);
    const down = await get(address, "/healthz");
    expect(down.code).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: "unavailable", mqtt: "connected", reason: expect.stringMatching(/^radio (disconnected|connecting)/) as string });

    mark = observer.mark();
    const back = new SimRadio({ port, nodes: 12, seed: 28 });
    await back.start();
    onTestFinished(() => back.stop());
    await observer.next(`${BASE}/radio/state`, (t) => (json(t) as { state: string }).state === "connected", mark);
    expect(await get(address, "/healthz")).toEqual({ code: 200, body: `${JSON.stringify({ status: "ok", radio: "connected", mqtt: "connected" })}\n` });
    expect(samples((await get(address, "/metrics")).body).get(`${P}radio_reconnects_total`)).toBe(1);
  });
});
