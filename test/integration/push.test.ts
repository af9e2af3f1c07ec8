// The push command over MQTT against the simulated radio (issue 14): a re-flashed node's
// confirmed key repaired into the radio and marked verified, confirmed by a re-read; and every
// refusal answered with an error while the radio sees no add_contact.
import { afterEach, describe, expect, it } from "vitest";
import { fingerprintOf } from "../../src/directory/record.js";
import { DeviceRole, HardwareModel } from "../../src/protocol/messages.js";
import type { AdminEffect } from "../../src/sim/index.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { Observer, json, publishOnce } from "../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
type Response = { status: string; error?: string; data: Record<string, unknown> };
type Event = { type: string };

const running: { bridge: RunningBridge; observer: Observer }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.observer.close();
    await r.bridge.stop();
  }
});

async function rig(push: Record<string, unknown> = { enabled: true }) {
  const bridge = await startBridge({ push }, { nodes: 20, seed: 14 });
  const observer = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
  running.push({ bridge, observer });
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
  const keyed = [...bridge.sim.nodes.values()].filter((n) => n.publicKey);
  for (const n of keyed) await observer.next(`${BASE}/nodes/${n.id}`);
  const admins: AdminEffect[] = [];
  bridge.sim.on("admin", (effect) => admins.push(effect));
  const request = async (command: string, payload: unknown): Promise<Response> => {
    const mark = observer.mark();
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/${command}`, typeof payload === "string" ? payload : JSON.stringify(payload));
    return json((await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark)).text) as Response;
  };
  /** Re-flashes a node and lets its new NodeInfo be heard: the node is `changed`. */
  const reflash = async (num: number): Promise<Uint8Array> => {
    const mark = observer.mark();
    const fresh = bridge.sim.reflashNode(num);
    bridge.sim.deliverNodeInfo(num);
    await observer.next(`${BASE}/bridge/event`, (t) => (json(t) as Event).type === "key_changed", mark);
    return fresh;
  };
  return { bridge, observer, keyed, admins, request, reflash };
}

const hex = (key: Uint8Array | null | undefined): string => (key ? Buffer.from(key).toString("hex") : "none");

describe("push repairs and verifies a key in the radio", () => {
  it("re-flashed node, accept_key, push with verify: the radio holds the confirmed key, verified; status ok; again: sent false", async () => {
    const { bridge, keyed, admins, request, reflash, observer } = await rig();
    const node = keyed[0]!;
    const fresh = await reflash(node.num);
    expect(await request("accept_key", node.id)).toMatchObject({ status: "ok", data: { status: "radio_stale" } });

    const mark = observer.mark();
    const pushed = await request("push", { id: node.id, verify: true });
    expect(pushed).toEqual({ status: "ok", data: { id: node.id, fingerprint: fingerprintOf(fresh), sent: true, verified: true, confirmed: true } });
    const entry = bridge.sim.nodes.get(node.num)!;
    expect({ key: hex(entry.publicKey), verified: entry.verified, favourite: entry.isFavorite }).toEqual({ key: hex(fresh), verified: true, favourite: true });
    expect(admins).toEqual([expect.objectContaining({ kind: "addContact", num: node.num, manuallyVerified: true, outcome: "stored" })]);
    // The confirming re-read is in the directory by the answer: the node is ok, and says verified.
    expect((await request("node", node.id)).data).toMatchObject({ status: "ok", verified: true, radio_fingerprint: fingerprintOf(fresh), key_fingerprint: fingerprintOf(fresh) });
    const published = await observer.next(`${BASE}/nodes/${node.id}`, (t) => (json(t) as { status: string }).status === "ok", mark);
    expect(json(published.text)).toMatchObject({ verified: true, radio_fingerprint: fingerprintOf(fresh) });

    expect(await request("push", { id: node.id, verify: true })).toEqual({ status: "ok", data: { id: node.id, fingerprint: fingerprintOf(fresh), sent: false, verified: true, confirmed: true } });
    expect(await request("push", node.id)).toMatchObject({ status: "ok", data: { sent: false, verified: true } });
    expect(admins).toHaveLength(1);
  });

  it("the repair keeps the hardware model, role and is_unmessagable the radio held for the node", async () => {
    const { bridge, keyed, request, reflash } = await rig();
    const node = keyed.find((n) => n.role === (DeviceRole.ROUTER as number))!;
    const identity = (n: { hwModel: number; role: number; isUnmessagable: boolean | null }) => ({ hw: n.hwModel, role: n.role, unmessagable: n.isUnmessagable });
    const before = identity(bridge.sim.nodes.get(node.num)!);
    expect(before).toEqual({ hw: node.hwModel, role: DeviceRole.ROUTER, unmessagable: true });
    expect(before.hw).not.toBe(HardwareModel.UNSET);
    const fresh = await reflash(node.num);
    expect(await request("accept_key", node.id)).toMatchObject({ status: "ok", data: { status: "radio_stale" } });
    expect(await request("push", node.id)).toMatchObject({ status: "ok", data: { sent: true, confirmed: true } });
    const entry = bridge.sim.nodes.get(node.num)!;
    expect({ key: hex(entry.publicKey), ...identity(entry) }).toEqual({ key: hex(fresh), ...before });
  });

  it("refuses, with nothing sent to the radio: a changed node, a duplicated key, a radio-verified key without verify", async () => {
    const { bridge, keyed, admins, request, reflash } = await rig();
    const [changed, original, copy, verified] = [keyed[1]!, keyed[2]!, keyed[3]!, keyed[4]!];
    await reflash(changed.num);
    expect(await request("push", { id: changed.id, verify: true })).toMatchObject({ status: "error", error: expect.stringMatching(/changed: run accept_key or reject_key/) as unknown });

    bridge.sim.duplicateKey(original.num, copy.num);
    expect((await request("sync", {})).status).toBe("ok");
    expect(await request("push", original.id)).toMatchObject({ status: "error", error: expect.stringMatching(/\(duplicate\)/) as unknown });
    expect(admins).toEqual([]);

    // The radio holds the key as verified; the node is re-flashed and its new key accepted.
    expect(await request("push", { id: verified.id, verify: true })).toMatchObject({ status: "ok", data: { sent: true, verified: true, confirmed: true } });
    const fresh = await reflash(verified.num);
    expect(await request("accept_key", verified.id)).toMatchObject({ data: { status: "radio_stale", verified: true } });
    expect(await request("push", { id: verified.id })).toMatchObject({ status: "error", error: expect.stringMatching(/as verified; only push with "verify": true/) as unknown });
    expect(admins).toHaveLength(1);
    expect(hex(bridge.sim.nodes.get(verified.num)!.publicKey)).toBe(hex(verified.publicKey));
    // With verify, the repair goes through.
    expect(await request("push", { id: verified.id, verify: true })).toMatchObject({ status: "ok", data: { sent: true, verified: true, confirmed: true } });
    expect(hex(bridge.sim.nodes.get(verified.num)!.publicKey)).toBe(hex(fresh));
  });

  it("refuses with push.enabled false, and over push.max_per_hour", async () => {
    const off = await rig({ enabled: false });
    expect(await off.request("push", { id: off.keyed[0]!.id, verify: true })).toEqual({ status: "error", error: "push is off (push.enabled)", data: {} });
    expect(off.admins).toEqual([]);

    const limited = await rig({ enabled: true, max_per_hour: 1 });
    const [a, b] = limited.keyed;
    expect(await limited.request("push", { id: a!.id, verify: true })).toMatchObject({ status: "ok", data: { sent: true } });
    expect(await limited.request("push", { id: b!.id, verify: true })).toEqual({
      status: "error",
      error: "refused: more than 1 pushes per hour (push.max_per_hour)",
      data: {},
    });
    expect(limited.admins.map((e) => e.kind === "addContact" && e.num)).toEqual([a!.num]);
  });

  it("a bad verify is a request error that changes nothing", async () => {
    const { keyed, admins, request } = await rig();
    expect(await request("push", { id: keyed[0]!.id, verify: "yes" })).toEqual({ status: "error", error: 'verify must be true or false, got "yes"', data: {} });
    expect(admins).toEqual([]);
  });
});
