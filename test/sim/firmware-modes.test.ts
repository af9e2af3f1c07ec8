// The rest of FIRMWARE.md "Measured on real firmware": packets heard while no client was
// connected, a radio without a time source, measured latencies, the Linux build's
// SIMULATOR_APP copies.
import { describe, expect, it } from "vitest";
import { NONCE_ONLY_NODES, PortNum, decodeCompressed, heartbeat, wantConfig, type FromRadio } from "../../src/protocol/messages.js";
import { Latency } from "../../src/sim/latency.js";
import { addContact, dm } from "../helpers/to-radio.js";
import { keyed, packetOf, payloadOf, portOf, routingAnswer, simHarness } from "./harness.js";

const sim = simHarness();
const packetIds = (frames: FromRadio[]): number[] => frames.flatMap((f) => (packetOf(f) ? [packetOf(f)!.id] : []));

describe("packets heard while no client was connected", () => {
  it("are kept and delivered right after the next client's config_complete_id, never before", async () => {
    const { radio, port } = await sim.start({ nodes: 5 });
    const node = keyed(radio);
    const ids = [radio.deliverPosition(node.num), radio.deliverNodeInfo(node.num)];
    expect(radio.backlogSize).toBe(2);
    const c = await sim.client(port);
    c.send(wantConfig(NONCE_ONLY_NODES));
    const complete = await c.waitComplete(NONCE_ONLY_NODES);
    await c.waitFrames(complete + 3);
    expect(packetIds(c.frames.slice(0, complete))).toEqual([]);
    expect(packetIds(c.frames.slice(complete + 1))).toEqual(ids);
    expect(radio.backlogSize).toBe(0);
  });

  it("are bounded by maxHeldPackets (oldest dropped), and stay queued for a client that left before its handshake", async () => {
    const { radio, port } = await sim.start({ nodes: 5, maxHeldPackets: 3 });
    const node = keyed(radio);
    const ids = [1, 2, 3, 4, 5].map(() => radio.deliverPosition(node.num));
    expect(radio.backlogSize).toBe(3);
    expect(radio.stats.heldDropped).toBe(2);
    const leaver = await sim.client(port);
    await leaver.close();
    await new Promise<void>((resolve) => (radio.clients === 0 ? resolve() : radio.once("disconnect", () => resolve())));
    expect(radio.backlogSize).toBe(3);
    const c = await sim.client(port);
    c.send(wantConfig(9));
    const complete = await c.waitComplete(9);
    await c.waitFrames(complete + 4);
    expect(packetIds(c.frames.slice(complete + 1))).toEqual(ids.slice(2));
  });
});

describe("a radio without a time source", () => {
  it("reports last_heard 0 for every node and rx_time 0 on live packets; with time, neither is 0", async () => {
    for (const noTimeSource of [true, false]) {
      const { radio, c } = await sim.configured({ nodes: 5, noTimeSource, now: () => 1_800_000_000_000 });
      const complete = c.frames.findIndex((f) => f.payloadVariant.case === "configCompleteId");
      const heard = c.frames.slice(0, complete).flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [f.payloadVariant.value.lastHeard] : []));
      const id = radio.deliverPosition(keyed(radio).num);
      const live = packetOf(c.frames[await c.waitFor((f) => packetOf(f)?.id === id)]);
      const others = heard.slice(1); // our own node's entry: the firmware stamps it too
      if (noTimeSource) {
        expect(heard.every((t) => t === 0)).toBe(true);
        expect(live?.rxTime).toBe(0);
      } else {
        expect(others.every((t) => t > 0)).toBe(true);
        expect(live?.rxTime).toBe(1_800_000_000);
      }
      await radio.stop();
    }
  });
});

describe("realistic latencies", () => {
  it("stay within the measured spreads, grow with the NodeDB for dumps, and repeat for a seed", () => {
    const a = new Latency(1);
    const b = new Latency(1);
    for (let i = 0; i < 200; i++) {
      const full = a.delayMs("full", 4);
      expect(full).toBe(b.delayMs("full", 4));
      expect(full).toBeGreaterThanOrEqual(21);
      expect(full).toBeLessThanOrEqual(94);
      const nodes = a.delayMs("nodesOnly", 4);
      b.delayMs("nodesOnly", 4);
      expect(nodes).toBeGreaterThanOrEqual(2);
      expect(nodes).toBeLessThanOrEqual(230);
      const beat = a.delayMs("heartbeat", 4);
      b.delayMs("heartbeat", 4);
      expect(Math.abs(beat - 30)).toBeLessThanOrEqual(5);
    }
    expect(new Latency(2).delayMs("nodesOnly", 1_004)).toBeGreaterThanOrEqual(502);
  });

  it("delays the handshake and the heartbeat answer on a radio that has it on", async () => {
    const { port } = await sim.start({ nodes: 4, latency: true });
    const c = await sim.client(port);
    let started = performance.now();
    c.send(wantConfig(3));
    await c.waitComplete(3);
    // Timers may fire up to a millisecond early; the floor of the measured spread is 21.
    expect(performance.now() - started).toBeGreaterThanOrEqual(20);
    const from = c.frames.length;
    started = performance.now();
    c.send(heartbeat());
    await c.waitFor((f) => f.payloadVariant.case === "queueStatus", from);
    expect(performance.now() - started).toBeGreaterThanOrEqual(24);
  });
});

describe("the Linux build's SIMULATOR_APP copies", () => {
  it("copy each transmitted packet (port and payload in a Compressed) after its queueStatus; admin to our radio is not transmitted", async () => {
    const { radio, c } = await sim.configured({ echoTransmitted: true });
    const node = keyed(radio);
    const start = c.frames.length;
    await routingAnswer(c, dm(node.num, 71, "hi"), 71);
    const echoAt = await c.waitFor((f) => portOf(packetOf(f)) === PortNum.SIMULATOR_APP, start);
    const echo = packetOf(c.frames[echoAt]);
    expect(echo).toMatchObject({ id: 71, from: radio.ownNode.num, to: node.num });
    const inner = decodeCompressed(payloadOf(echo));
    expect([inner.portnum, new TextDecoder().decode(inner.data)]).toEqual([PortNum.TEXT_MESSAGE_APP, "hi"]);
    const before = c.frames.filter((f) => portOf(packetOf(f)) === PortNum.SIMULATOR_APP).length;
    // Its ACK follows where a copy would have been.
    await routingAnswer(c, addContact(radio.ownNode.num, 72, node.num, new Uint8Array(32).fill(7)), 72);
    expect(c.frames.filter((f) => portOf(packetOf(f)) === PortNum.SIMULATOR_APP).length).toBe(before);
  });
});
