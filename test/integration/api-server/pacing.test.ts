// The firmware's per-connection send limits (FIRMWARE.md, measured on 2.7.26) held for the
// bridge and every API client at once: the simulator refuses a text sooner than its window
// exactly as the firmware does (a queueStatus, never a routing answer), so a DM the pacer let
// through too early would be lost silently and its ACK below would never come.
import { describe, expect, it } from "vitest";
import { PortNum, RoutingError, encodeToRadio, wantConfig } from "../../../src/protocol/messages.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";
import { dm, routingCode } from "../../helpers/to-radio.js";

/** The text window scaled down on both sides, so 40 DMs take seconds; the mechanism is the one real limits use. */
const TEXT_MS = 60;
const scaled = {
  sim: { sendLimitsMs: { [PortNum.TEXT_MESSAGE_APP]: TEXT_MS } },
  radio: { pacer: { limitsMs: new Map<number, number>([[PortNum.TEXT_MESSAGE_APP, TEXT_MS]]), marginMs: 20 } },
};

describe("one pacer for the bridge and its API clients", () => {
  it("3 clients and the bridge, 10 DMs each at once: 40 ACKs, none refused by the radio, each text its own window", async () => {
    const rig = await startApiRig(scaled);
    const to = [...rig.sim.nodes.values()].filter((n) => n.publicKey !== null).map((n) => n.num);
    const clients = await Promise.all([rig.raw(), rig.raw(), rig.raw()]);
    for (const client of clients) {
      client.send(wantConfig(7));
      await client.waitComplete(7);
    }
    const ids = clients.map((_, c) => Array.from({ length: 10 }, (_, i) => 1_000 * (c + 1) + i));
    clients.forEach((client, c) => ids[c]!.forEach((id, i) => client.send(dm(to[i % to.length]!, id))));
    const bridge = Array.from({ length: 10 }, (_, i) => rig.radio.sendText(to[i % to.length]!, `bridge ${i}`, 30_000));

    const answers = clients.map((client, c) => Promise.all(ids[c]!.map((id) => client.waitFor((f) => routingCode(f, id) !== undefined, 0, `the answer to ${id}`).then((at) => routingCode(client.frames[at]!, id)))));
    expect(await Promise.all(answers)).toEqual(clients.map((): number[] => Array<number>(10).fill(RoutingError.NONE)));
    const results = await Promise.all(bridge);
    expect(results.map((r) => r.ok)).toEqual(Array<boolean>(10).fill(true));
    expect(rig.sim.stats.sendsRefused).toBe(0);
    // Every text reached the mesh, one window apart on the radio's side.
    const texts = rig.sim.clientPackets.filter((p) => p.packet.payloadVariant.case === "decoded" && p.packet.payloadVariant.value.portnum === PortNum.TEXT_MESSAGE_APP);
    expect(texts).toHaveLength(40);
    // The bridge's own DMs went first: none of them waited behind all 30 of the clients'.
    expect(Math.max(...results.map((r) => r.waitedMs ?? 0))).toBeLessThan(30 * TEXT_MS);
  });

  it("a client's share is bounded: past it, its packet gets RATE_LIMIT_EXCEEDED at once and nothing reaches the radio", async () => {
    const rig = await startApiRig({ ...scaled, radio: { ...scaled.radio, pacer: { ...scaled.radio.pacer, maxPerOwner: 3 } } });
    const to = [...rig.sim.nodes.values()].find((n) => n.publicKey !== null)!.num;
    const client = await rig.raw();
    client.send(wantConfig(7));
    await client.waitComplete(7);
    // One written at once, three wait for the window, the fifth is over the share.
    for (let id = 1; id <= 5; id++) client.send(dm(to, id));
    const at = await client.waitFor((f) => routingCode(f, 5) !== undefined, 0, "the answer to 5");
    expect(routingCode(client.frames[at]!, 5)).toBe(RoutingError.RATE_LIMIT_EXCEEDED);
    for (let id = 1; id <= 4; id++) await client.waitFor((f) => routingCode(f, id) === RoutingError.NONE, 0, `the ACK of ${id}`);
    expect(rig.sim.clientPackets.map((p) => p.packet.id)).toEqual([1, 2, 3, 4]);
    expect(rig.log.find("warn", "client packet not passed on: this client already has 3 packets waiting")).toHaveLength(1);
  });
});

describe("what one client can hold in the bridge", () => {
  it("unicasts nobody answers are held at most maxAwaitedPerClient at a time; past that each is refused at once", async () => {
    const rig = await startApiRig({ radio: { maxAwaitedPerClient: 5 } });
    const to = [...rig.sim.nodes.values()].find((n) => n.publicKey !== null)!.num;
    const client = await rig.raw();
    client.send(wantConfig(7));
    await client.waitComplete(7);
    // A private port (no per-port limit) without want_ack: the radio sends it and no routing answer ever comes.
    const unicast = (id: number) =>
      encodeToRadio({ payloadVariant: { case: "packet", value: { to, id, payloadVariant: { case: "decoded", value: { portnum: 256, payload: new Uint8Array(8) } } } } });
    for (let id = 1; id <= 12; id++) client.send(unicast(id));
    for (let id = 6; id <= 12; id++) {
      const at = await client.waitFor((f) => routingCode(f, id) !== undefined, 0, `the refusal of ${id}`);
      expect(routingCode(client.frames[at]!, id)).toBe(RoutingError.RATE_LIMIT_EXCEEDED);
    }
    // The first five are written one after another as the radio answers each (its queueStatus).
    while (rig.sim.clientPackets.length < 5) await nextEvent(rig.sim, "packetFromClient");
    expect(rig.sim.clientPackets.map((p) => p.packet.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rig.log.find("warn", "5 packets awaiting their routing result")).toHaveLength(7);
  });
});
