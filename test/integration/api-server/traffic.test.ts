// Live traffic through the API server: frames fan out to every client, the bridge's own
// heartbeat answers and re-reads stay the bridge's, a client's DM reaches the radio with its
// id and its routing answer comes back, its PKI errors feed the bridge's key signals, the
// push policy fills a missing key before a client's DM, heartbeats and disconnect stay local.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PortNum, RoutingError, heartbeat, wantConfig } from "../../../src/protocol/messages.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";
import { disconnect, dm, routingCode } from "../../helpers/to-radio.js";
import { kinds, type TestClient } from "../../sim/client.js";

async function ready(client: TestClient, nonce = 0x1000): Promise<number> {
  client.send(wantConfig(nonce));
  return (await client.waitComplete(nonce)) + 1;
}

const answered = (client: TestClient, id: number) => client.waitFor((f) => routingCode(f, id) !== undefined, 0, `the routing answer to ${id}`);

describe("live traffic through the API server", () => {
  it("passes a client's DM with its id; the ACK comes back to the client", async () => {
    const rig = await startApiRig();
    const client = await rig.raw();
    await ready(client);
    const to = [...rig.sim.nodes.keys()][2] as number;
    client.send(dm(to, 0x00c0ffee));
    const at = await answered(client, 0x00c0ffee);
    expect(routingCode(client.frames[at]!, 0x00c0ffee)).toBe(RoutingError.NONE);
    expect(rig.sim.clientPackets.map((r) => [r.packet.id, r.packet.to])).toEqual([[0x00c0ffee, to]]);
  });

  it("fans live frames out to every client; the bridge's heartbeat answers and nodes-only re-reads stay the bridge's", async () => {
    const rig = await startApiRig({ heartbeatIntervalMs: 200 });
    const [a, b] = [await rig.raw(), await rig.raw()];
    const [fromA, fromB] = [await ready(a), await ready(b)];
    await rig.radio.requestNodeDb();
    await nextEvent(rig.sim, "heartbeat");
    await nextEvent(rig.sim, "heartbeat");
    const num = [...rig.sim.nodes.keys()][0] as number;
    rig.sim.deliverPosition(num);
    rig.sim.deliverTelemetry(num);
    for (const [client, from] of [[a, fromA], [b, fromB]] as const) {
      await client.waitFrames(from + 2);
      expect(kinds(client.frames.slice(from))).toEqual(["packet", "packet"]);
    }
    expect(rig.sim.stats.dumps.nodesOnly).toBe(1);
  });

  it("answers a client's heartbeat itself and closes only the client that sends disconnect", async () => {
    const rig = await startApiRig();
    const [a, b] = [await rig.raw(), await rig.raw()];
    await ready(a);
    const fromB = await ready(b);
    a.send(heartbeat());
    await a.waitFor((f) => f.payloadVariant.case === "queueStatus");
    expect(rig.sim.stats.heartbeats).toBe(0);
    a.send(disconnect());
    await a.waitClosed();
    rig.sim.deliverPosition([...rig.sim.nodes.keys()][0] as number);
    await b.waitFrames(fromB + 1);
    expect(rig.server.clients).toHaveLength(1);
    expect(rig.sim.stats.forceCloses).toBe(0);
  });

  it("feeds a client's PKI_SEND_FAIL_PUBLIC_KEY into the bridge's key signals; its PKI_FAILED (a key it made up) raises no key_mismatch", async () => {
    const rig = await startApiRig();
    const [lacking, other] = [...rig.sim.nodes.keys()] as [number, number];
    rig.sim.setKey(lacking, null);
    const client = await rig.raw();
    await ready(client);
    client.send(dm(lacking, 501));
    client.send(dm(other, 502, "hi", randomBytes(32)));
    expect(routingCode(client.frames[await answered(client, 501)]!, 501)).toBe(RoutingError.PKI_SEND_FAIL_PUBLIC_KEY);
    expect(routingCode(client.frames[await answered(client, 502)]!, 502)).toBe(RoutingError.PKI_FAILED);
    const id = (num: number) => `!${num.toString(16).padStart(8, "0")}`;
    expect(rig.events).toContainEqual({ type: "key_missing", data: { id: id(lacking), reason: "radio_lacks_key" } });
    // The radio compared the client's made-up key with its own: evidence about the client, not about our keys.
    expect(rig.events.filter((e) => e.type === "key_mismatch")).toEqual([]);
  });

  it("a client's DMs to invented nodes raise at most 10 key_missing a minute", async () => {
    // The text window scaled down on both sides, so 30 DMs take a second, not a minute.
    const TEXT_MS = 20;
    const rig = await startApiRig({
      sim: { sendLimitsMs: { [PortNum.TEXT_MESSAGE_APP]: TEXT_MS } },
      radio: { pacer: { limitsMs: new Map<number, number>([[PortNum.TEXT_MESSAGE_APP, TEXT_MS]]), marginMs: 5 } },
    });
    const client = await rig.raw();
    await ready(client);
    const invented = Array.from({ length: 30 }, (_, i) => 0x7e000000 + i);
    invented.forEach((num, i) => client.send(dm(num, 900 + i)));
    for (let i = 0; i < 30; i++) await answered(client, 900 + i);
    const missing = rig.events.filter((e) => e.type === "key_missing");
    expect(missing).toHaveLength(10);
  });

  for (const push of [true, false]) {
    it(`${push ? "pushes the directory's key first (one add_contact)" : "pushes nothing without push.enabled"} before a client's DM to a node the radio lacks a key for`, async () => {
      const rig = await startApiRig({ push });
      const to = [...rig.sim.nodes.keys()][4] as number;
      const ours = rig.directory.get(to)?.confirmedKey as Uint8Array;
      rig.sim.setKey(to, null);
      await rig.radio.requestNodeDb();
      const contacts: number[] = [];
      const order: string[] = [];
      rig.sim.on("admin", (e) => e.kind === "addContact" && contacts.push(e.num));
      rig.sim.on("packetFromClient", (r) => order.push(r.packet.id === 0x77 ? "dm" : "admin"));
      const client = await rig.raw();
      await ready(client);
      client.send(dm(to, 0x77));
      const code = routingCode(client.frames[await answered(client, 0x77)]!, 0x77);
      if (push) {
        expect(contacts).toEqual([to]);
        expect(order).toEqual(["admin", "dm"]);
        expect(code).toBe(RoutingError.NONE);
        expect(Buffer.from(rig.sim.nodes.get(to)?.publicKey ?? []).equals(Buffer.from(ours))).toBe(true);
      } else {
        expect(contacts).toEqual([]);
        expect(order).toEqual(["dm"]);
        expect(code).toBe(RoutingError.PKI_SEND_FAIL_PUBLIC_KEY);
      }
    });
  }
});
