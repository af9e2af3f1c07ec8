// Push: a key only another gateway heard reaches our radio by AdminMessage.add_contact, so a
// DM the radio refused (PKI_SEND_FAIL_PUBLIC_KEY) goes through after one push.
import { describe, expect, it } from "vitest";
import { json } from "../../helpers/mqtt.js";
import type { RunningBridge } from "../../helpers/app.js";
import { sharedBroker } from "./rig.js";

const rig = sharedBroker();
const request = rig.request.bind(rig);
let gwB: RunningBridge;

describe("push", () => {
  it("a send to a node only the other gateway heard succeeds after one add_contact", async () => {
    const a = await rig.gateway("gw-a", { share: { enabled: true }, push: { enabled: true } }, { nodes: 10, seed: 11 });
    const b = (gwB = await rig.gateway("gw-b", { share: { enabled: true } }, { nodes: 10, seed: 22 }));
    const target = [...b.sim.nodes.values()].find((n) => n.publicKey)!;
    expect(a.sim.nodes.has(target.num)).toBe(false);
    await rig.observer.next(`gw-a/nodes/${target.id}`, (t) => (json(t) as { key_source: string }).key_source === "gateway:gw-b");

    const admins: { kind: string; num: number; hasKey: boolean }[] = [];
    a.sim.on("admin", (effect) => admins.push(effect as { kind: string; num: number; hasKey: boolean }));
    const sent = await request("gw-a", "send", { to: target.id, text: "hello across gateways" });
    expect(sent).toMatchObject({ status: "ok", data: { id: expect.any(Number) as unknown } });
    expect(admins).toEqual([expect.objectContaining({ kind: "addContact", num: target.num, hasKey: true })]);
    expect(Buffer.from(a.sim.nodes.get(target.num)!.publicKey!).equals(Buffer.from(target.publicKey!))).toBe(true);

    // Once a NodeDB read shows the radio holding that key: nothing to send.
    expect((await request("gw-a", "sync", {})).status).toBe("ok");
    const again = await request("gw-a", "push", { id: target.id });
    expect(again).toMatchObject({ status: "ok", data: { id: target.id, sent: false, confirmed: true } });
    expect(admins).toHaveLength(1);

    // On demand, for a node the radio lacks: pushed once.
    const other = [...b.sim.nodes.values()].filter((n) => n.publicKey)[1]!;
    await rig.observer.next(`gw-a/nodes/${other.id}`, (t) => (json(t) as { has_key: boolean }).has_key);
    expect(await request("gw-a", "push", { id: other.id })).toMatchObject({ status: "ok", data: { id: other.id, sent: true, confirmed: true } });
    expect(admins.map((e) => e.num)).toEqual([target.num, other.num]);
  });

  it("is off by default: the send error says our directory has the key", async () => {
    await rig.gateway("gw-c", { share: { enabled: true, trust: ["gw-b"] } }, { nodes: 5, seed: 33 });
    const target = [...gwB.sim.nodes.values()].find((n) => n.publicKey)!;
    await rig.observer.next(`gw-c/nodes/${target.id}`, (t) => (json(t) as { has_key: boolean }).has_key);
    const refused = await request("gw-c", "send", { to: target.id, text: "hi" });
    expect(refused.status).toBe("error");
    expect(refused.error).toMatch(/our key directory has one .*push is off/);
  });
});
