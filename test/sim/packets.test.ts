// Live traffic of the simulated radio: packets held during a dump, PKI DMs and other packets
// from the mesh, the NodeDB controls, and 2.8's replay after config_complete_id.
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, PortNum, decodePosition, decodeUser, heartbeat, wantConfig } from "../../src/protocol/messages.js";
import { encodeFrame } from "../../src/protocol/frames.js";
import { hex } from "./client.js";
import { isPacketId, isQueueStatus, keyed, keyless, packetOf, payloadOf, portOf, simHarness } from "./harness.js";

const sim = simHarness();

describe("live packets during a dump", () => {
  it("holds a packet delivered as the dump starts and sends it right after config_complete_id", async () => {
    const { radio, c } = await sim.configured();
    let id = 0;
    radio.once("dumpStart", () => {
      id = radio.deliverPosition(keyed(radio).num);
    });
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    expect(await c.waitFor(isPacketId(id), from)).toBe(done + 1);
  });

  it("holds a packet delivered mid-dump (radio hung after the first batch) until config_complete_id", async () => {
    const { radio, c } = await sim.configured({ nodes: 1000 });
    radio.once("dumpStart", () => radio.hang()); // the first batch is owed, the loop waits
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    await once(radio, "dumpStart");
    const id = radio.deliverNodeInfo(keyed(radio).num);
    radio.resume();
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    expect(done - from).toBe(1001);
    expect(await c.waitFor(isPacketId(id), from)).toBe(done + 1);
  });

  it("a want_config during a dump restarts it: only the new nonce completes", async () => {
    const { radio, c } = await sim.configured({ nodes: 1000 });
    radio.once("dumpStart", () => radio.hang());
    const from = c.frames.length;
    // One write: 222 is read with 111, so it is waiting when the hung dump of 111 resumes.
    const started = once(radio, "dumpStart");
    c.sendRaw(Buffer.concat([encodeFrame(wantConfig(111)), encodeFrame(wantConfig(222))]));
    await started;
    radio.resume();
    await c.waitComplete(222, from);
    const completes = c.frames.slice(from).flatMap((f) => (f.payloadVariant.case === "configCompleteId" ? [f.payloadVariant.value] : []));
    expect(completes).toEqual([222]);
    expect(radio.stats.dumps.full).toBe(2); // want_config 1 and 222
  });

  it("keeps packets heard while no client is connected for the next one, after its handshake", async () => {
    const { radio, port } = await sim.start({ nodes: 5 });
    const id = radio.deliverNodeInfo(keyed(radio).num);
    const c = await sim.client(port);
    c.send(heartbeat());
    await c.waitFor(isQueueStatus);
    expect(c.frames.some(isPacketId(id))).toBe(false);
    c.send(wantConfig(2));
    const done = await c.waitComplete(2);
    expect(await c.waitFor(isPacketId(id), done)).toBe(done + 1);
  });
});

describe("packets from the mesh", () => {
  it("drops a PKI DM from a sender whose key the radio lacks", async () => {
    const { radio, c } = await sim.configured();
    const dropped = once(radio, "dropped");
    expect(radio.deliverPkiDm(keyless(radio).num, "secret")).toBeNull();
    await dropped;
    // The heartbeat's answer is the next frame: nothing was sent for the DM.
    const from = c.frames.length;
    c.send(heartbeat());
    expect(await c.waitFor(isQueueStatus, from)).toBe(from);
    expect(radio.stats.pkiDropped).toBe(1);
  });

  it("delivers a PKI DM from a sender with a key, decoded, with pkiEncrypted and the sender's key", async () => {
    const { radio, c } = await sim.configured();
    const node = keyed(radio);
    const id = radio.deliverPkiDm(node.num, "hello") as number;
    const packet = packetOf(c.frames[await c.waitFor(isPacketId(id))]);
    expect(packet).toMatchObject({ from: node.num, to: radio.ownNode.num, pkiEncrypted: true });
    expect(hex(packet?.publicKey)).toBe(hex(node.publicKey));
    expect(portOf(packet)).toBe(PortNum.TEXT_MESSAGE_APP);
    expect(Buffer.from(payloadOf(packet)).toString()).toBe("hello");
  });

  it("delivers NodeInfo (with the key), encrypted and position packets", async () => {
    const { radio, c } = await sim.configured();
    const node = keyed(radio);
    const info = packetOf(c.frames[await c.waitFor(isPacketId(radio.deliverNodeInfo(node.num)))]);
    expect(portOf(info)).toBe(PortNum.NODEINFO_APP);
    expect(hex(decodeUser(payloadOf(info)).publicKey)).toBe(hex(node.publicKey));
    const encrypted = packetOf(c.frames[await c.waitFor(isPacketId(radio.deliverEncrypted(node.num)))]);
    expect(encrypted?.payloadVariant.case).toBe("encrypted");
    expect(encrypted?.from).toBe(node.num);
    const position = packetOf(c.frames[await c.waitFor(isPacketId(radio.deliverPosition(node.num)))]);
    expect(portOf(position)).toBe(PortNum.POSITION_APP);
    expect(decodePosition(payloadOf(position)).latitudeI).toBe(node.position?.latitudeI);
  });
});

describe("NodeDB controls", () => {
  it("addNodesSilently tells the client nothing, and the next 69421 dump includes the new keys", async () => {
    const { radio, c } = await sim.configured();
    const added = radio.addNodesSilently(3);
    expect(added).toHaveLength(3);
    expect(radio.nodes.size).toBe(23);
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    expect(done - from).toBe(1 + 23); // nothing arrived before the dump
    const dumped = new Map(
      c.frames
        .slice(from, done)
        .flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [[f.payloadVariant.value.num, hex(f.payloadVariant.value.user?.publicKey)]] : [])),
    );
    for (const node of added) expect(dumped.get(node.num)).toBe(hex(node.publicKey));
  });

  it("rotateKey, setKey and duplicateKey change what the radio reports", async () => {
    const { radio } = await sim.configured();
    const [a, b] = [...radio.nodes.values()].filter((n) => n.publicKey !== null);
    if (!a || !b) throw new Error("need two keyed nodes");
    const old = hex(a.publicKey);
    const rotated = radio.rotateKey(a.num);
    expect(hex(rotated)).not.toBe(old);
    expect(hex(radio.nodes.get(a.num)?.publicKey)).toBe(hex(rotated));
    expect(hex(radio.duplicateKey(a.num, b.num))).toBe(hex(rotated));
    expect(hex(radio.nodes.get(b.num)?.publicKey)).toBe(hex(rotated));
    radio.setKey(b.num, null);
    expect(radio.nodes.get(b.num)?.publicKey).toBeNull();
    expect(() => radio.setKey(b.num, new Uint8Array(5))).toThrow(RangeError);
  });
});

describe("firmware 2.8 replay", () => {
  it("replays cached position/telemetry with their old rxTime after 69421, but not after 69420", async () => {
    const { radio, c } = await sim.configured({ replayAfterComplete: true });
    let from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    c.send(heartbeat());
    const answered = await c.waitFor(isQueueStatus, done);
    const replayed = c.frames.slice(done + 1, answered).map(packetOf);
    expect(replayed.length).toBeGreaterThan(4);
    expect(new Set(replayed.map(portOf))).toEqual(new Set([PortNum.POSITION_APP, PortNum.TELEMETRY_APP]));
    const positions = replayed.filter((p) => portOf(p) === PortNum.POSITION_APP);
    for (const p of positions) expect(p?.rxTime).toBe(radio.nodes.get(p?.from ?? 0)?.lastHeard);
    expect(positions.some((p) => radio.nodes.get(p?.from ?? 0)?.publicKey === null)).toBe(true);
    // 2.8 sends other NodeInfos thin: the replay carries their positions instead.
    const infos = c.frames.slice(from + 1, done).filter((f) => f.payloadVariant.case === "nodeInfo");
    expect(infos).toHaveLength(20);
    expect(infos.every((f) => f.payloadVariant.case === "nodeInfo" && f.payloadVariant.value.position === undefined)).toBe(true);

    from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_CONFIG));
    const configDone = await c.waitComplete(NONCE_ONLY_CONFIG, from);
    c.send(heartbeat());
    expect(await c.waitFor(isQueueStatus, configDone)).toBe(configDone + 1);
  });

  it("does not replay in 2.7 mode", async () => {
    const { c } = await sim.configured();
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    c.send(heartbeat());
    expect(await c.waitFor(isQueueStatus, done)).toBe(done + 1);
  });
});
