// The bridge against the simulator's 2.8 mode (issue 27 acceptance, the radio side): the
// replay burst after every nodes-only re-read is no news. Neither a re-flashed node's new
// identity nor nodes heard just before a re-read (their replayed packets carry a recent
// rxTime, so the link cannot tell them from live ones) raise key_missing or an on-demand sync.
import { afterEach, describe, expect, it } from "vitest";
import { crc32 } from "../../src/crc32.js";
import { nodeId } from "../../src/node-id.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { flush } from "../helpers/clock.js";
import { startKeySync } from "../helpers/keysync.js";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
type Event = { type: string; data: Record<string, unknown> };

describe("the sync engine against the 2.8 simulator", () => {
  it("ten nodes-only re-reads, each followed by its replay, cost ten syncs, no more, and no key_missing", async () => {
    const r = await startKeySync({ sim: { nodes: 40, firmware28: true }, manager: { keyChange: "alert" } });
    const [old, recent] = [...r.sim.nodes.values()].filter((n) => n.publicKey !== null && n.position !== null);
    // A re-flash: the new identity is heard (a signed NodeInfo, its key straight in), then speaks.
    const newNum = crc32(r.sim.reflashNode(old!.num));
    r.sim.deliverNodeInfo(newNum);
    await r.manager.sync();
    r.sim.deliverPosition(newNum);
    r.sim.deliverPosition(recent!.num);
    for (let i = 0; i < 10; i++) await r.manager.sync();
    // A DM's answer comes after every frame the radio wrote before it: the last replay included.
    expect((await r.radio.sendText(recent!.num, "barrier", 10_000)).ok).toBe(true);
    await flush();
    expect(r.events.filter((e) => e.type === "key_missing")).toEqual([]);
    expect(r.syncs()).toBe(12);
    expect(r.sim.stats.dumps.nodesOnly).toBe(11);
    // The new identity is a new node, the old one keeps its key: no key change, but one
    // identity_replaced links them, and the old key no longer leaves the bridge.
    expect(r.events.filter((e) => e.type === "key_added").map((e) => e.data)).toEqual([expect.objectContaining({ id: nodeId(newNum) })]);
    expect(r.events.filter((e) => e.type === "key_changed")).toEqual([]);
    expect(Buffer.from(r.directory.get(old!.num)!.key!).equals(Buffer.from(old!.publicKey!))).toBe(true);
    const replaced = r.events.filter((e) => e.type === "identity_replaced").map((e) => e.data);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).toMatchObject({ old_id: nodeId(old!.num), new_id: nodeId(newNum), evidence: { long_name: old!.longName, numbered_by_key: true, signed: true } });
    expect(r.directory.view(old!.num)).toMatchObject({ replaced_by: nodeId(newNum), status: "ok" });
    expect(r.directory.view(newNum)).toMatchObject({ signed: true, replaced_by: null });
    expect((r.directory.shareable(old!.num, ["*"]) as { refused: string }).refused).toMatch(/was replaced by/);
    expect(r.directory.shareable(newNum, ["*"])).toHaveProperty("key");
  });
});

describe("the bridge against the 2.8 simulator", () => {
  let running: { bridge: RunningBridge; observer: Observer } | null = null;
  afterEach(async () => {
    await running?.observer.close();
    await running?.bridge.stop();
    running = null;
  });

  it("after a re-flash and nodes-only re-reads with their replay: no on-demand sync, no key_missing", async () => {
    const bridge = await startBridge({ push: { enabled: true } }, { nodes: 30, firmware28: true });
    const observer = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
    running = { bridge, observer };
    const syncCount = (text: string): number => (json(text) as { sync_count: number }).sync_count;
    await observer.next(`${BASE}/sync/stats`, (t) => syncCount(t) >= 1);
    const request = async (command: string): Promise<{ status: string }> => {
      const mark = observer.mark();
      await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/${command}`, "");
      return json((await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark)).text) as { status: string };
    };
    const start = observer.mark();
    const [old, recent] = [...bridge.sim.nodes.values()].filter((n) => n.publicKey !== null && n.position !== null);
    const newNum = crc32(bridge.sim.reflashNode(old!.num));
    bridge.sim.deliverNodeInfo(newNum);
    await observer.next(`${BASE}/nodes/${nodeId(newNum)}`, () => true, start);
    bridge.sim.deliverPosition(newNum);
    bridge.sim.deliverPosition(recent!.num);
    for (let i = 0; i < 5; i++) expect((await request("sync")).status).toBe("ok");
    // One more read: whatever the fifth one's replay set off would be published before its answer.
    expect((await request("sync")).status).toBe("ok");
    const events = observer.on(`${BASE}/bridge/event`, start).map((m) => json(m.text) as Event);
    expect(events.filter((e) => e.type === "key_missing")).toEqual([]);
    expect(bridge.sim.stats.dumps.nodesOnly).toBe(6);
    const stats = await observer.next(`${BASE}/sync/stats`, (t) => syncCount(t) >= 7, start);
    expect(syncCount(stats.text)).toBe(7);
    // One identity_replaced, shown on the old node; the new node shows its signed NodeInfo.
    expect(events.filter((e) => e.type === "identity_replaced").map((e) => e.data)).toEqual([expect.objectContaining({ old_id: nodeId(old!.num), new_id: nodeId(newNum) })]);
    const oldView = json((await observer.next(`${BASE}/nodes/${nodeId(old!.num)}`, (t) => (json(t) as { replaced_by: unknown }).replaced_by !== null, start)).text);
    expect(oldView).toMatchObject({ replaced_by: nodeId(newNum), has_key: true });
    expect(json(observer.on(`${BASE}/nodes/${nodeId(newNum)}`, start).at(-1)!.text)).toMatchObject({ signed: true, replaced_by: null });
    // The old key is not pushed into the radio any more.
    const mark = observer.mark();
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/push`, JSON.stringify({ id: nodeId(old!.num) }));
    const pushed = json((await observer.next(`${BASE}/bridge/response/push`, () => true, mark)).text) as { status: string; error: string };
    expect(pushed.status).toBe("error");
    expect(pushed.error).toMatch(/was replaced by/);
  });
});
