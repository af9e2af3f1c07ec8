// `send` over MQTT against the simulator with the firmware's real limits (FIRMWARE.md,
// measured on 2.7.26): a second text within 2 s is dropped by the radio without a word, a
// destination that cannot decrypt answers NO_CHANNEL, and a fill is followed by a retry that
// must wait its turn. Each send here would time out or fail without the pacer.
import { describe, expect, it } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { BASE, observedBridge } from "../helpers/bridge-rig.js";
import { json } from "../helpers/mqtt.js";

type Event = { type: string; data: Record<string, unknown> };

async function rig(push = true) {
  const observed = await observedBridge({ push: { enabled: push } }, { nodes: 12, seed: 22 });
  const keyed = [...observed.bridge.sim.nodes.values()].filter((n) => n.publicKey);
  for (const n of keyed) await observed.observer.next(`${BASE}/nodes/${n.id}`);
  return { ...observed, keyed };
}

describe("send on the firmware's terms", () => {
  it("two sends 0.5 s apart are both ACKed: the second waits for the radio's 2 s text window", async () => {
    const { bridge, keyed, request } = await rig(false);
    const first = request("send", { to: keyed[0]!.id, text: "one" });
    await sleep(500);
    const second = request("send", { to: keyed[1]!.id, text: "two" });
    expect(await first).toMatchObject({ status: "ok", data: { id: expect.any(Number) as number } });
    const answer = await second;
    expect(answer.status).toBe("ok");
    expect(answer.data.waited_ms).toBeGreaterThanOrEqual(1_400);
    expect(bridge.sim.stats.sendsRefused).toBe(0);
  });

  it("to a node the radio lost, with push on: the key is filled and the retry, paced, is ACKed", async () => {
    const { bridge, keyed, request } = await rig();
    const node = keyed[2]!;
    bridge.sim.evictNode(node.num);
    expect(await request("sync", {})).toMatchObject({ status: "ok" });
    const sent = await request("send", { to: node.id, text: "after a fill" });
    expect(sent).toMatchObject({ status: "ok" });
    expect(sent.data.waited_ms).toBeGreaterThanOrEqual(2_000);
    expect(bridge.sim.nodes.get(node.num)?.publicKey).toEqual(node.publicKey);
    expect(bridge.sim.stats.sendsRefused).toBe(0);
  });

  it("a DM to a re-flashed node names its key state and the cure at each step, until push repairs it", async () => {
    const { bridge, observer, keyed, request } = await rig();
    const node = keyed[3]!;
    const mark = observer.mark();
    bridge.sim.reflashNode(node.num);
    bridge.sim.deliverNodeInfo(node.num);
    await observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "key_changed", mark);

    const changed = await request("send", { to: node.id, text: "hello" });
    expect(changed.status).toBe("error");
    expect(changed.error).toMatch(new RegExp(`^${node.id} could not decrypt the DM \\(NO_CHANNEL\\): the key of ${node.id} changed \\(status changed.*run accept_key and then push`));
    const event = await observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "key_mismatch", mark);
    expect((json(event.text) as Event).data).toMatchObject({ id: node.id, status: "changed", error: "NO_CHANNEL" });

    expect(await request("accept_key", node.id)).toMatchObject({ status: "ok", data: { status: "radio_stale" } });
    const stale = await request("send", { to: node.id, text: "hello" });
    expect(stale.error).toMatch(new RegExp(`the radio holds an old key for ${node.id} \\(status radio_stale.*\\): push the confirmed key`));

    expect(await request("push", node.id)).toMatchObject({ status: "ok", data: { confirmed: true } });
    expect(await request("send", { to: node.id, text: "hello" })).toMatchObject({ status: "ok" });
    expect(bridge.sim.stats.sendsRefused).toBe(0);
  });
});
