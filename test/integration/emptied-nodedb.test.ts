// A radio that lost its NodeDB file, over the whole bridge and MQTT against the simulator: on
// 2.7 (no per-client access control) its own-node-only dump is believed, said once, and with
// push on the keys go back into the radio; on 2.8 the same dump changes nothing.
import { describe, expect, it } from "vitest";
import { SimRadio, type AdminEffect, type SimNode } from "../../src/sim/index.js";
import { BASE, observedBridge } from "../helpers/bridge-rig.js";
import { json, publishOnce } from "../helpers/mqtt.js";

type Stats = { sync_count: number; radio_nodes: number | null; nodes_only_in_directory: number; nodes_total: number; nodes_evicted: number };
type Event = { type: string; data: Record<string, unknown> };

async function rig(config: Record<string, unknown>, firmwareVersion?: string) {
  const { bridge, observer } = await observedBridge(config, { nodes: 12, seed: 27, ...(firmwareVersion ? { firmwareVersion } : {}) });
  const others = [...bridge.sim.nodes.values()].map((n) => ({ ...n }));
  for (const n of others) await observer.next(`${BASE}/nodes/${n.id}`);
  const admins: AdminEffect[] = [];
  bridge.sim.on("admin", (effect) => admins.push(effect));
  /** A sync over MQTT; resolves with the stats published for it. */
  const sync = async (): Promise<Stats> => {
    const mark = observer.mark();
    const before = json(observer.on(`${BASE}/sync/stats`).at(-1)!.text) as Stats;
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/sync`, "");
    const response = json((await observer.next(`${BASE}/bridge/response/sync`, () => true, mark)).text) as { status: string };
    expect(response.status).toBe("ok");
    return json((await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as Stats).sync_count > before.sync_count, mark)).text) as Stats;
  };
  const eventsSince = (mark: number) => observer.on(`${BASE}/bridge/event`, mark).map((m) => json(m.text) as Event);
  return { bridge, observer, others, admins, sync, eventsSince };
}

const keyed = (nodes: SimNode[]) => nodes.filter((n) => n.publicKey !== null);
const hex = (key: Uint8Array | null | undefined): string => (key ? Buffer.from(key).toString("hex") : "none");

describe("a radio that lost its NodeDB", () => {
  it("2.7.26: every node in_radio false, radio_nodes 1, exactly one radio_nodedb_emptied while it stays empty; push off: no refill", async () => {
    const { bridge, observer, others, admins, sync, eventsSince } = await rig({});
    expect(bridge.sim.emptyNodeDb()).toBe(others.length);
    const mark = observer.mark();
    const stats = await sync();
    expect(stats).toMatchObject({ radio_nodes: 1, nodes_only_in_directory: others.length, nodes_total: others.length + 1, nodes_evicted: 0 });
    for (const n of others) {
      const view = json((await observer.next(`${BASE}/nodes/${n.id}`, (t) => (json(t) as { in_radio: boolean }).in_radio === false, mark)).text);
      expect(view).toMatchObject({ in_radio: false, radio_fingerprint: null });
    }
    await observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "radio_nodedb_emptied", mark);
    // The radio stays empty: later syncs say nothing new.
    await sync();
    await sync();
    const emptied = eventsSince(mark).filter((e) => e.type === "radio_nodedb_emptied");
    expect(emptied).toEqual([{ type: "radio_nodedb_emptied", data: { radio_nodes: 1, known: others.length, refill: false } }]);
    expect(admins).toEqual([]);
  });

  it("2.7.26 with push on: the confirmed keys go back into the radio, watched node first then the most recently heard, within push.max_per_hour", async () => {
    const maxPerHour = 5;
    // The same seed, the same mesh: which node is heard longest ago, to watch it.
    const all = keyed([...new SimRadio({ nodes: 12, seed: 27 }).nodes.values()]);
    const byHeard = [...all].sort((a, b) => b.lastHeard - a.lastHeard || a.num - b.num);
    const watched = byHeard.at(-1)!; // heard longest ago: first only because it is watched
    const { bridge, observer, others, admins, sync, eventsSince } = await rig({ push: { enabled: true, max_per_hour: maxPerHour }, homeassistant: { watch: [watched.id] } });
    expect(keyed(others).map((n) => n.num).sort()).toEqual(all.map((n) => n.num).sort());

    bridge.sim.emptyNodeDb();
    const mark = observer.mark();
    await sync();
    const event = json((await observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "radio_nodedb_emptied", mark)).text);
    expect(event).toEqual({ type: "radio_nodedb_emptied", data: { radio_nodes: 1, known: others.length, refill: true } });
    const left = all.length - maxPerHour;
    await bridge.logged(`${maxPerHour} keys put back, ${left} left`);

    const expected = [watched, ...byHeard.filter((n) => n.num !== watched.num)].slice(0, maxPerHour);
    expect(admins.map((a) => a.kind === "addContact" && a.num)).toEqual(expected.map((n) => n.num));
    // Read back from the simulator's NodeDB: exactly those keys, the radio's own node aside.
    const db = bridge.sim.nodes;
    expect([...db.keys()].sort()).toEqual(expected.map((n) => n.num).sort());
    for (const n of expected) expect(hex(db.get(n.num)?.publicKey)).toBe(hex(n.publicKey));

    // The next dump shows them back: in the radio again, no second event.
    const stats = await sync();
    expect(stats).toMatchObject({ radio_nodes: maxPerHour + 1, nodes_only_in_directory: others.length - maxPerHour });
    expect(eventsSince(mark).filter((e) => e.type === "radio_nodedb_emptied")).toHaveLength(1);
  });

  it("2.8 (access control): the same dump changes nothing and raises nothing", async () => {
    const { bridge, observer, others, admins, sync, eventsSince } = await rig({ push: { enabled: true } }, "2.8.0.sim");
    bridge.sim.emptyNodeDb();
    const mark = observer.mark();
    const stats = await sync();
    expect(stats).toMatchObject({ radio_nodes: others.length + 1, nodes_only_in_directory: 0 });
    await bridge.logged("is this client authorised on the radio?");
    expect(eventsSince(mark).map((e) => e.type)).not.toContain("radio_nodedb_emptied");
    expect(observer.messages.slice(mark).filter((m) => m.topic.startsWith(`${BASE}/nodes/`))).toEqual([]);
    expect(admins).toEqual([]);
  });
});
