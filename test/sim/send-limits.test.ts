// What a 2.7.26 radio does with the packets its client sends (FIRMWARE.md "Measured on real
// firmware", PhoneAPI::handleToRadioPacket): per-connection limits per port, a queueStatus
// for every packet before its routing answer, refused texts silently lost, traceroute
// warnings, repeated ids ignored.
import { describe, expect, it } from "vitest";
import { BROADCAST_NUM, PortNum, RoutingError, encodeToRadio, wantConfig, type FromRadio } from "../../src/protocol/messages.js";
import { dm } from "../helpers/to-radio.js";
import { keyed, isQueuedFor, packetOf, portOf, queued, routingAnswer, simHarness } from "./harness.js";
import type { TestClient } from "./client.js";

const sim = simHarness();

function clock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_800_000_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** A client packet on `port` with an empty payload (the radio reads only the header and port). */
function onPort(port: number, to: number, id: number, extra: { hopLimit?: number; wantAck?: boolean } = {}): Uint8Array {
  return encodeToRadio({
    payloadVariant: {
      case: "packet",
      value: { to, id, wantAck: extra.wantAck ?? false, hopLimit: extra.hopLimit ?? 0, payloadVariant: { case: "decoded", value: { portnum: port, payload: new Uint8Array(0) } } },
    },
  });
}

const routingFor = (id: number) => (f: FromRadio): boolean => {
  const p = packetOf(f);
  return portOf(p) === PortNum.ROUTING_APP && p?.payloadVariant.case === "decoded" && p.payloadVariant.value.requestId === id;
};
const notificationFor = (id: number) => (f: FromRadio) => (f.payloadVariant.case === "clientNotification" && f.payloadVariant.value.replyId === id ? f.payloadVariant.value : null);

/** Every answer goes out in order: once the radio has answered `marker`, nothing more comes for earlier packets. */
async function settle(c: TestClient, markerId: number): Promise<void> {
  await queued(c, onPort(PortNum.ADMIN_APP, 0, markerId), markerId);
}

describe("per-connection send limits", () => {
  it("refuses a second text within 2 s: a queueStatus with its id, never a routing answer, not sent", async () => {
    const time = clock();
    const { radio, c } = await sim.configured({ now: time.now });
    const node = keyed(radio);
    const [, from] = await routingAnswer(c, dm(node.num, 11), 11);
    expect(from).toBe(node.num);
    time.advance(1_999);
    await queued(c, dm(node.num, 12), 12);
    await settle(c, 13);
    expect(c.frames.some(routingFor(12))).toBe(false);
    expect(radio.clientPackets.map((r) => [r.packet.id, r.verdict])).toEqual([[11, "accepted"], [12, "refused"], [13, "accepted"]]);
    expect(radio.stats.sendsRefused).toBe(1);
    // The refused text did not restart the 2 s: the gap counts from the last accepted one.
    time.advance(1);
    expect(await routingAnswer(c, dm(node.num, 14), 14)).toEqual([RoutingError.NONE, node.num]);
  });

  it("answers every packet with a queueStatus carrying its id before the routing answer", async () => {
    const { radio, c } = await sim.configured();
    const start = c.frames.length;
    await routingAnswer(c, dm(keyed(radio).num, 21), 21);
    const status = await c.waitFor(isQueuedFor(21), start);
    expect(status).toBeLessThan(await c.waitFor(routingFor(21), start));
  });

  it("limits position, waypoint, alert and telemetry to one per 10 s each, with a queueStatus only", async () => {
    const time = clock();
    const { c, radio } = await sim.configured({ now: time.now });
    const ports = [PortNum.POSITION_APP, PortNum.WAYPOINT_APP, PortNum.ALERT_APP, PortNum.TELEMETRY_APP];
    // A rebroadcast is the implicit ACK of a broadcast: each accepted one is ACKed by our radio.
    for (const [i, port] of ports.entries()) await routingAnswer(c, onPort(port, BROADCAST_NUM, 100 + i, { wantAck: true }), 100 + i);
    time.advance(9_999);
    const refusedFrom = c.frames.length;
    for (const [i, port] of ports.entries()) await queued(c, onPort(port, BROADCAST_NUM, 200 + i, { wantAck: true }), 200 + i);
    await settle(c, 299);
    const after = c.frames.slice(refusedFrom);
    expect(after.filter((f) => f.payloadVariant.case === "queueStatus")).toHaveLength(5);
    expect(after.filter((f) => f.payloadVariant.case !== "queueStatus")).toEqual([]);
    time.advance(1);
    expect(await routingAnswer(c, onPort(PortNum.POSITION_APP, BROADCAST_NUM, 300, { wantAck: true }), 300)).toEqual([0, radio.ownNode.num]);
  });

  it("limits traceroute to one per 30 s and refuses a multi-hop one to broadcast, each with the firmware's warning", async () => {
    const time = clock();
    const { radio, c } = await sim.configured({ now: time.now });
    const node = keyed(radio);
    // Accepted unicast traceroutes are sent reliably (want_ack forced): the far node ACKs.
    expect(await routingAnswer(c, onPort(PortNum.TRACEROUTE_APP, node.num, 31), 31)).toEqual([0, node.num]);
    time.advance(29_999);
    const from = c.frames.length;
    await queued(c, onPort(PortNum.TRACEROUTE_APP, node.num, 32), 32);
    const warning = await c.waitFor((f) => notificationFor(32)(f) !== null, from);
    expect(notificationFor(32)(c.frames[warning]!)).toMatchObject({ level: 30, message: "TraceRoute can only be sent once every 30 seconds" });
    time.advance(1);
    await queued(c, onPort(PortNum.TRACEROUTE_APP, BROADCAST_NUM, 33, { hopLimit: 3 }), 33);
    const multi = await c.waitFor((f) => notificationFor(33)(f) !== null, from);
    expect(notificationFor(33)(c.frames[multi]!)?.message).toBe("Multi-hop traceroute to broadcast address is not allowed");
    await queued(c, onPort(PortNum.TRACEROUTE_APP, BROADCAST_NUM, 34, { hopLimit: 0 }), 34);
    expect(radio.clientPackets.map((r) => r.verdict)).toEqual(["accepted", "refused", "refused", "accepted"]);
  });

  it("belongs to the connection: a new client may send a text at once", async () => {
    const time = clock();
    const { radio, port } = await sim.start({ now: time.now });
    const node = keyed(radio);
    const first = await sim.client(port);
    first.send(wantConfig(1));
    await first.waitComplete(1);
    expect(await routingAnswer(first, dm(node.num, 41), 41)).toEqual([0, node.num]);
    const second = await sim.client(port);
    await first.waitClosed();
    second.send(wantConfig(2));
    await second.waitComplete(2);
    expect(await routingAnswer(second, dm(node.num, 42), 42)).toEqual([0, node.num]);
  });

  it("takes its table from sendLimitsMs: a text limit of 0 lets texts go back to back", async () => {
    const { radio, c } = await sim.configured({ sendLimitsMs: { [PortNum.TEXT_MESSAGE_APP]: 0 } });
    const node = keyed(radio);
    c.send(dm(node.num, 51));
    expect(await routingAnswer(c, dm(node.num, 52), 52)).toEqual([0, node.num]);
    expect(radio.stats.sendsRefused).toBe(0);
  });
});

describe("packet ids seen recently", () => {
  it("ignores a repeated id silently, answers id 0 every time, and forgets an id after 20 others", async () => {
    const { radio, c } = await sim.configured();
    const admin = (id: number): Uint8Array => onPort(PortNum.ADMIN_APP, radio.ownNode.num, id, { wantAck: true });
    await routingAnswer(c, admin(61), 61);
    const from = c.frames.length;
    c.send(admin(61));
    c.send(onPort(PortNum.ADMIN_APP, 0, 0));
    c.send(onPort(PortNum.ADMIN_APP, 0, 0));
    await settle(c, 62);
    expect(c.frames.slice(from).filter((f) => f.payloadVariant.case === "queueStatus").map((f) => f.payloadVariant.value)).toMatchObject([
      { meshPacketId: 0 },
      { meshPacketId: 0 },
      { meshPacketId: 62 },
    ]);
    expect(c.frames.slice(from).some(routingFor(61))).toBe(false);
    expect(radio.stats.duplicatesIgnored).toBe(1);
    // 61, 62 and 19 more ids: 61 has left the last 20 and is answered again.
    for (let id = 63; id < 82; id++) c.send(admin(id));
    expect(await routingAnswer(c, admin(61), 61)).toEqual([0, radio.ownNode.num]);
  });
});
