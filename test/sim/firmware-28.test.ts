// The simulator's 2.8 mode as a real 2.8.0 build was measured (FIRMWARE.md, "Firmware 2.8"):
// numbers from keys, a re-flash as a new identity, signature flags in dumps and live packets,
// the replay after every want_config but 69420's. Read through the wire, as a client would.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/crc32.js";
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, PortNum, decodeUser, heartbeat, wantConfig, type FromRadio, type NodeInfo } from "../../src/protocol/messages.js";
import { nodeInfoSigned, packetSigned } from "../../src/protocol/signed-flags.js";
import { parseSimulateArgs, type DemoStep, type Sleep } from "../../src/sim/index.js";
import { resolveOptions } from "../../src/sim/options.js";
import type { TestClient } from "./client.js";
import { isPacketId, isQueueStatus, packetOf, payloadOf, portOf, simHarness } from "./harness.js";

const sim = simHarness();
const hex = (b: Uint8Array | null | undefined): string => (b ? Buffer.from(b).toString("hex") : "");

/** The node_infos of one nodes-only dump, by number. */
async function nodesOnlyDump(c: TestClient): Promise<Map<number, NodeInfo>> {
  const from = c.frames.length;
  c.send(wantConfig(NONCE_ONLY_NODES));
  const done = await c.waitComplete(NONCE_ONLY_NODES, from);
  const infos = c.frames.slice(from, done).flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [f.payloadVariant.value] : []));
  return new Map(infos.map((info) => [info.num, info]));
}

/** Frames from `from` up to (not including) the answer to a heartbeat sent now: what came after a dump. */
async function framesUntilHeartbeat(c: TestClient, from: number): Promise<FromRadio[]> {
  c.send(heartbeat());
  const answered = await c.waitFor(isQueueStatus, from);
  return c.frames.slice(from, answered);
}

describe("firmware 2.8 mode", () => {
  it("numbers every keyed node, our own included, crc32(public key), and reports firmware 2.8.0", async () => {
    const { radio, c } = await sim.configured({ firmware28: true, nodes: 40 });
    const keyedNodes = [...radio.nodes.values()].filter((n) => n.publicKey !== null);
    expect(keyedNodes.length).toBeGreaterThan(30);
    for (const node of keyedNodes) expect(node.num).toBe(crc32(node.publicKey!));
    expect(radio.ownNode.num).toBe(crc32(radio.ownNode.publicKey!));
    const dump = await nodesOnlyDump(c);
    for (const node of keyedNodes) expect(hex(dump.get(node.num)?.user?.publicKey)).toBe(hex(node.publicKey));
    expect(radio.options.firmwareVersion).toBe("2.8.0.sim");
    // Older-firmware nodes without a key keep numbers of their own.
    expect([...radio.nodes.values()].some((n) => n.publicKey === null)).toBe(true);
  });

  it("2.7 mode keeps drawn numbers", async () => {
    const { radio } = await sim.start({ nodes: 40 });
    const keyedNodes = [...radio.nodes.values()].filter((n) => n.publicKey !== null);
    expect(keyedNodes.filter((n) => n.num === crc32(n.publicKey!))).toEqual([]);
  });

  it("a re-flash is a new identity: new key and number, same user, accepted at once; the old entry keeps its old key and goes silent", async () => {
    const { radio, c } = await sim.configured({ firmware28: true, nodes: 20, now: () => Date.now() - 3_600_000 });
    const old = [...radio.nodes.values()].find((n) => n.publicKey !== null)!;
    const oldKey = Uint8Array.from(old.publicKey!);
    const oldHeard = old.lastHeard;
    const newKey = radio.reflashNode(old.num);
    const newNum = crc32(newKey);
    expect(newNum).not.toBe(old.num);
    // Not in the NodeDB until heard; heard under its new number only.
    expect(radio.nodes.has(newNum)).toBe(false);
    expect(() => radio.deliverPosition(old.num)).toThrow(RangeError);
    const from = c.frames.length;
    const id = radio.deliverNodeInfo(newNum);
    const packet = packetOf(c.frames[await c.waitFor(isPacketId(id), from)]);
    expect(packet?.from).toBe(newNum);
    expect(packetSigned(packet!)).toBe(true);
    expect(radio.stats.nodeInfoRefused).toBe(0);

    const dump = await nodesOnlyDump(c);
    const before = dump.get(old.num);
    const after = dump.get(newNum);
    expect(hex(before?.user?.publicKey)).toBe(hex(oldKey));
    expect(before?.lastHeard).toBe(oldHeard);
    expect(hex(after?.user?.publicKey)).toBe(hex(newKey));
    expect({ long: after?.user?.longName, short: after?.user?.shortName, hw: after?.user?.hwModel, role: after?.user?.role }).toEqual({
      long: before?.user?.longName,
      short: before?.user?.shortName,
      hw: before?.user?.hwModel,
      role: before?.user?.role,
    });
    expect(nodeInfoSigned(after!)).toBe(true);
    // The new identity goes on being heard; the old entry's last_heard stays where it was.
    radio.deliverPosition(newNum);
    const again = await nodesOnlyDump(c);
    expect(again.get(old.num)?.lastHeard).toBe(oldHeard);
    expect(again.get(newNum)?.lastHeard).toBeGreaterThan(oldHeard);
  });

  it("in 2.7 mode a re-flash keeps the number and the radio keeps the old key (unchanged)", async () => {
    const { radio, c } = await sim.configured({ nodes: 20 });
    const node = [...radio.nodes.values()].find((n) => n.publicKey !== null)!;
    const oldKey = Uint8Array.from(node.publicKey!);
    radio.reflashNode(node.num);
    const from = c.frames.length;
    const id = radio.deliverNodeInfo(node.num);
    const packet = packetOf(c.frames[await c.waitFor(isPacketId(id), from)]);
    expect(packetSigned(packet!)).toBe(false);
    expect(radio.stats.nodeInfoRefused).toBe(1);
    expect(hex((await nodesOnlyDump(c)).get(node.num)?.user?.publicKey)).toBe(hex(oldKey));
  });

  it("NodeInfos of nodes that broadcast one carry has_xeddsa_signed; one known only from a unicast reply does not", async () => {
    const { radio, c } = await sim.configured({ firmware28: true, nodes: 30 });
    const dump = await nodesOnlyDump(c);
    const keyedNodes = [...radio.nodes.values()].filter((n) => n.publicKey !== null);
    const signed = keyedNodes.filter((n) => nodeInfoSigned(dump.get(n.num)!));
    const unsigned = keyedNodes.filter((n) => !nodeInfoSigned(dump.get(n.num)!));
    expect(signed.length).toBeGreaterThan(0);
    expect(unsigned.length).toBeGreaterThan(0);
    for (const n of [...radio.nodes.values()].filter((n) => n.publicKey === null)) expect(nodeInfoSigned(dump.get(n.num)!)).toBe(false);

    // A device heard first through a unicast reply: stored, unsigned; its broadcast then signs it.
    const [device] = radio.addDevices(1);
    const from = c.frames.length;
    const replyId = radio.deliverNodeInfoReply(device!.num);
    const reply = packetOf(c.frames[await c.waitFor(isPacketId(replyId), from)]);
    expect(reply?.to).toBe(radio.ownNode.num);
    expect(packetSigned(reply!)).toBe(false);
    expect(hex(decodeUser(payloadOf(reply)).publicKey)).toBe(hex(device!.publicKey));
    expect(nodeInfoSigned((await nodesOnlyDump(c)).get(device!.num)!)).toBe(false);
    const id = radio.deliverNodeInfo(device!.num);
    expect(packetSigned(packetOf(c.frames[await c.waitFor(isPacketId(id), from)])!)).toBe(true);
    expect(nodeInfoSigned((await nodesOnlyDump(c)).get(device!.num)!)).toBe(true);
    // Once it has signed, an unsigned update of its identity is refused; the packet still comes.
    expect(radio.stats.nodeInfoRefused).toBe(0);
    const late = radio.deliverNodeInfoReply(device!.num);
    await c.waitFor(isPacketId(late), from);
    expect(radio.stats.nodeInfoRefused).toBe(1);
    expect(nodeInfoSigned((await nodesOnlyDump(c)).get(device!.num)!)).toBe(true);
  });

  it("an impostor's NodeInfo under a signed node's number is neither signed nor stored", async () => {
    const { radio, c } = await sim.configured({ firmware28: true, nodes: 10 });
    const node = [...radio.nodes.values()].find((n) => n.publicKey !== null)!;
    const from = c.frames.length;
    const id = radio.deliverNodeInfo(node.num, new Uint8Array(32).fill(7));
    expect(packetSigned(packetOf(c.frames[await c.waitFor(isPacketId(id), from)])!)).toBe(false);
    expect(radio.stats.nodeInfoRefused).toBe(1);
  });

  it("replays cached packets after the nodes-only 69421 and the full handshake, not after 69420", async () => {
    const { c } = await sim.configured({ firmware28: true, nodes: 20 });
    const after = async (nonce: number): Promise<FromRadio[]> => {
      const from = c.frames.length;
      c.send(wantConfig(nonce));
      const done = await c.waitComplete(nonce, from);
      return framesUntilHeartbeat(c, done + 1);
    };
    const ports = (frames: FromRadio[]): Set<number | null> => new Set(frames.map((f) => portOf(packetOf(f))));
    expect(ports(await after(NONCE_ONLY_NODES))).toEqual(new Set([PortNum.POSITION_APP, PortNum.TELEMETRY_APP]));
    expect(ports(await after(5))).toEqual(new Set([PortNum.POSITION_APP, PortNum.TELEMETRY_APP]));
    expect(await after(NONCE_ONLY_CONFIG)).toEqual([]);
  });

  it("2.7 mode replays nothing after 69421", async () => {
    const { c } = await sim.configured({ nodes: 20 });
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    expect(await framesUntilHeartbeat(c, done + 1)).toEqual([]);
  });

  it("the demo re-flashes the 2.8 way: the new identity is heard under crc32(new key), no step fails", async () => {
    const { radio } = await sim.configured({ firmware28: true, nodes: 10 });
    const waiting: (() => void)[] = [];
    const sleep: Sleep = (_ms, signal) =>
      new Promise<void>((resolve, reject) => {
        signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
        waiting.push(resolve);
      });
    const steps: DemoStep[] = [];
    const errors: unknown[] = [];
    radio.startDemo({ everyMs: 1, sleep, onStep: (s) => steps.push(s), onError: (e) => errors.push(e) });
    for (let i = 1; i <= 8; i++) {
      await expect.poll(() => waiting.length).toBe(1);
      waiting.shift()?.();
      await expect.poll(() => steps.length + errors.length).toBe(i);
    }
    radio.stopDemo();
    expect(errors).toEqual([]);
    const reflashes = steps.filter((s) => s.kind === "reflash");
    expect(reflashes).toHaveLength(2);
    for (const step of reflashes) {
      const old = radio.nodes.get(step.num)!;
      const successor = [...radio.nodes.values()].find((n) => n.num !== old.num && n.longName === old.longName && n.num === crc32(n.publicKey!));
      expect(successor?.xeddsaSigned).toBe(true);
    }
    for (const node of radio.nodes.values()) if (node.publicKey) expect(node.num).toBe(crc32(node.publicKey));
  });

  it("simulate --firmware-2.8 turns the mode on, with the replay and version 2.8.0.sim unless told otherwise", () => {
    const on = resolveOptions(parseSimulateArgs(["--firmware-2.8"]).options);
    expect({ fw: on.firmware28, replay: on.replayAfterComplete, version: on.firmwareVersion }).toEqual({ fw: true, replay: true, version: "2.8.0.sim" });
    const off = resolveOptions(parseSimulateArgs([]).options);
    expect({ fw: off.firmware28, replay: off.replayAfterComplete, version: off.firmwareVersion }).toEqual({ fw: false, replay: false, version: "2.7.26.sim" });
    expect(resolveOptions(parseSimulateArgs(["--firmware-2.8", "--firmware-version", "2.8.1"]).options).firmwareVersion).toBe("2.8.1");
  });
});
