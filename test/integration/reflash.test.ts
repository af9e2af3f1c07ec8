// A re-flashed node against a radio that keeps the first key it learned (firmware
// NodeDB::updateUser): the bridge hears the new key on the air while every dump reports the
// old one. One alert, no flip-flop, then accept_key or reject_key. The whole bridge over MQTT.
import { afterEach, describe, expect, it } from "vitest";
import { fingerprintOf } from "../../src/directory/record.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
type View = { key_fingerprint: string | null; status: string; radio_fingerprint: string | null; pending_fingerprint: string | null; public_key: string | null; in_radio: boolean };
type Event = { type: string; data: Record<string, unknown> };
type Response = { status: string; error?: string; data: View & Record<string, unknown> };

const running: { bridge: RunningBridge; observer: Observer }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.observer.close();
    await r.bridge.stop();
  }
});

async function rig(policy: "alert" | "pin") {
  const bridge = await startBridge({ sync: { key_change: policy } }, { nodes: 20 });
  const observer = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
  running.push({ bridge, observer });
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
  for (const n of bridge.sim.nodes.values()) await observer.next(`${BASE}/nodes/${n.id}`);
  const node = [...bridge.sim.nodes.values()].find((n) => n.publicKey)!;
  const request = async (command: string, payload = ""): Promise<Response> => {
    const mark = observer.mark();
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/${command}`, payload);
    return json((await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark)).text) as Response;
  };
  const events = (since: number, type?: string): Event[] =>
    observer.on(`${BASE}/bridge/event`, since).map((m) => json(m.text) as Event).filter((e) => type === undefined || e.type === type);
  const views = (since: number): View[] => observer.on(`${BASE}/nodes/${node.id}`, since).map((m) => json(m.text) as View);
  /** Messages by topic since `mark`, responses and requests left out: what the bridge published on its own. */
  const cost = (since: number): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const m of observer.messages.slice(since)) {
      // A request's own traffic: the request, its response and its result for Home Assistant.
      if (m.topic.includes("/bridge/request/") || m.topic.includes("/bridge/response/") || m.topic.endsWith("/bridge/last_command")) continue;
      const topic = m.topic.startsWith(`${BASE}/nodes/`) ? "nodes/<id>" : m.topic.startsWith(`${BASE}/bridge/event`) ? `event ${(json(m.text) as Event).type}` : m.topic.slice(BASE.length + 1);
      counts[topic] = (counts[topic] ?? 0) + 1;
    }
    return counts;
  };
  return { bridge, observer, node, request, events, views, cost, oldKey: node.publicKey!, oldFp: fingerprintOf(node.publicKey!) };
}

/** Re-flash, the NodeInfo broadcast, then five syncs. Returns the mark before the re-flash and what each part published. */
async function reflashAndSync(r: Awaited<ReturnType<typeof rig>>): Promise<{ mark: number; newKey: Uint8Array; broadcastCost: Record<string, number>; syncCost: Record<string, number> }> {
  const mark = r.observer.mark();
  const newKey = r.bridge.sim.reflashNode(r.node.num);
  r.bridge.sim.deliverNodeInfo(r.node.num);
  await r.observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "key_changed", mark);
  // The stats command publishes nothing but its response, which follows whatever the
  // broadcast made the bridge publish: a barrier.
  await r.request("stats");
  const broadcastCost = r.cost(mark);
  const beforeSyncs = r.observer.mark();
  for (let i = 0; i < 5; i++) expect((await r.request("sync")).status).toBe("ok");
  const syncCost = r.cost(beforeSyncs);
  return { mark, newKey, broadcastCost, syncCost };
}

describe.each(["alert", "pin"] as const)("a re-flashed node under %s", (policy) => {
  it("one key_changed across the broadcast and five syncs; the fingerprint never flips; accept_key leaves the radio stale", async () => {
    const r = await rig(policy);
    const { mark, newKey, broadcastCost, syncCost } = await reflashAndSync(r);
    const newFp = fingerprintOf(newKey);
    // The packet reached the client; the radio's NodeDB kept the old key through five dumps.
    expect(Buffer.from(r.bridge.sim.nodes.get(r.node.num)!.publicKey!).equals(Buffer.from(r.oldKey))).toBe(true);
    expect(r.events(mark, "key_changed")).toEqual([
      { type: "key_changed", data: expect.objectContaining({ id: r.node.id, old_fingerprint: r.oldFp, new_fingerprint: newFp, action: policy === "alert" ? "taken" : "pinned", new_source: "packet" }) as unknown },
    ]);
    const held = policy === "alert" ? newFp : r.oldFp;
    const published = r.views(mark);
    expect(published.map((v) => v.key_fingerprint)).toEqual(published.map(() => held));
    expect(published.at(-1)).toMatchObject({ status: "changed", radio_fingerprint: r.oldFp, pending_fingerprint: policy === "pin" ? newFp : null, in_radio: true });
    // The cost of one re-flash: the broadcast publishes one node state, one event, the stats;
    // the syncs that follow publish nothing for it.
    expect(broadcastCost).toMatchObject({ "nodes/<id>": 1, "event key_changed": 1 });
    expect(Object.keys(broadcastCost).filter((t) => t.startsWith("event"))).toEqual(["event key_changed"]);
    // Five syncs publish their own figures (sync/...) and nothing about the node: no
    // nodes/<id>, no event.
    expect(Object.keys(syncCost).filter((t) => !t.startsWith("sync/"))).toEqual([]);
    expect(syncCost["sync/stats"]).toBeLessThanOrEqual(5);

    const acceptMark = r.observer.mark();
    const accepted = await r.request("accept_key", r.node.id);
    expect(accepted).toMatchObject({ status: "ok", data: { status: "radio_stale", key_fingerprint: newFp, radio_fingerprint: r.oldFp, public_key: Buffer.from(newKey).toString("base64") } });
    await r.request("stats");
    const acceptCost = r.cost(acceptMark);
    await r.request("sync");
    await r.request("sync");
    expect(r.events(acceptMark)).toEqual([{ type: "radio_key_stale", data: { id: r.node.id, radio_fingerprint: r.oldFp, confirmed_fingerprint: newFp } }]);

    // The old key heard on the air again: a second device claims the number. One alert, no flip.
    const conflictMark = r.observer.mark();
    r.bridge.sim.deliverNodeInfo(r.node.num, r.oldKey);
    await r.observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "key_conflict", conflictMark);
    r.bridge.sim.deliverNodeInfo(r.node.num, r.oldKey);
    await r.request("sync");
    expect(r.events(conflictMark)).toEqual([{ type: "key_conflict", data: { id: r.node.id, fingerprint: newFp, conflicting_fingerprint: r.oldFp } }]);
    expect(r.views(conflictMark)).toEqual([]);
    expect((await r.request("node", r.node.id)).data).toMatchObject({ key_fingerprint: newFp, status: "radio_stale" });
    if (process.env.KEYSYNC_REFLASH_COST) console.log(JSON.stringify({ policy, broadcast: broadcastCost, five_syncs: syncCost, accept_key: acceptCost }));
  });

  it("reject_key: back to the confirmed key, ok; the rejected key heard again raises nothing", async () => {
    const r = await rig(policy);
    const { newKey } = await reflashAndSync(r);
    const rejectMark = r.observer.mark();
    const rejected = await r.request("reject_key", JSON.stringify({ id: r.node.id }));
    await r.observer.next(`${BASE}/nodes/${r.node.id}`, (t) => (json(t) as View).status === "ok", rejectMark);
    expect(rejected).toMatchObject({ status: "ok", data: { status: "ok", key_fingerprint: r.oldFp, pending_fingerprint: null, radio_fingerprint: r.oldFp, public_key: Buffer.from(r.oldKey).toString("base64") } });
    const mark = r.observer.mark();
    r.bridge.sim.deliverNodeInfo(r.node.num);
    r.bridge.sim.deliverNodeInfo(r.node.num, newKey);
    await r.request("sync");
    await r.request("sync");
    expect(r.events(mark)).toEqual([]);
    expect(r.views(mark)).toEqual([]);
    // Nothing changed any more: a second reject_key is refused and changes nothing.
    expect(await r.request("reject_key", r.node.id)).toMatchObject({ status: "error", error: expect.stringMatching(/no changed key/) as unknown });
  });
});
