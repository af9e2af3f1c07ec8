// Live traffic of the simulated radio: held packets, routing answers to the client's DMs,
// PKI DMs from the mesh, 2.8's replay, and the controls that change the NodeDB.
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import {
  NONCE_ONLY_CONFIG,
  NONCE_ONLY_NODES,
  PortNum,
  RoutingError,
  decodePosition,
  decodeRouting,
  decodeUser,
  encodeAdmin,
  encodeToRadio,
  heartbeat,
  pkiTextPacket,
  wantConfig,
  type FromRadio,
  type MeshPacket,
} from "../../src/protocol/messages.js";
import { SimRadio, type SimNode } from "../../src/sim/index.js";
import { TestClient, hex } from "./client.js";

let radio: SimRadio | undefined;
let clients: TestClient[] = [];

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  clients = [];
  await radio?.stop();
  radio = undefined;
});

async function configured(options: ConstructorParameters<typeof SimRadio>[0] = {}): Promise<{ radio: SimRadio; c: TestClient }> {
  radio = new SimRadio({ port: 0, nodes: 20, ...options });
  const { port } = await radio.start();
  const c = await TestClient.connect(port);
  clients.push(c);
  c.send(wantConfig(1));
  await c.waitComplete(1);
  return { radio, c };
}

const packetOf = (f: FromRadio): MeshPacket | null => (f.payloadVariant.case === "packet" ? f.payloadVariant.value : null);
const portOf = (p: MeshPacket | null): number | null => (p?.payloadVariant.case === "decoded" ? p.payloadVariant.value.portnum : null);
const isPacketId = (id: number) => (f: FromRadio) => packetOf(f)?.id === id;

function keyed(radio: SimRadio): SimNode {
  const node = [...radio.nodes.values()].find((n) => n.publicKey !== null);
  if (!node) throw new Error("no keyed node");
  return node;
}

function keyless(radio: SimRadio): SimNode {
  const node = [...radio.nodes.values()].find((n) => n.publicKey === null);
  if (!node) throw new Error("no keyless node");
  return node;
}

/** Sends `payload`, waits for the routing packet answering packet `id`; returns [error, from]. */
async function routingAnswer(c: TestClient, payload: Uint8Array, id: number): Promise<[number, number]> {
  const from = c.frames.length;
  c.send(payload);
  const at = await c.waitFor((f) => {
    const p = packetOf(f);
    return portOf(p) === PortNum.ROUTING_APP && p?.payloadVariant.case === "decoded" && p.payloadVariant.value.requestId === id;
  }, from);
  const packet = packetOf(c.frames[at] as FromRadio) as MeshPacket;
  const data = packet.payloadVariant.value as { payload: Uint8Array };
  const routing = decodeRouting(data.payload);
  return [routing.variant.case === "errorReason" ? routing.variant.value : -1, packet.from];
}

describe("live packets during a dump", () => {
  it("holds a packet delivered while the dump runs and sends it after config_complete_id", async () => {
    const { radio, c } = await configured();
    const node = keyed(radio);
    let id = 0;
    radio.once("dumpStart", () => {
      id = radio.deliverPosition(node.num);
    });
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    const at = await c.waitFor(isPacketId(id), from);
    expect(at).toBe(done + 1);
  });

  it("keeps packets heard while no client is connected for the next one", async () => {
    radio = new SimRadio({ port: 0, nodes: 5 });
    const { port } = await radio.start();
    const id = radio.deliverNodeInfo(keyed(radio).num);
    const c = await TestClient.connect(port);
    clients.push(c);
    c.send(heartbeat());
    await c.waitFor((f) => f.payloadVariant.case === "queueStatus");
    expect(c.frames.some(isPacketId(id))).toBe(false); // not before the handshake
    c.send(wantConfig(2));
    const done = await c.waitComplete(2);
    expect(await c.waitFor(isPacketId(id), done)).toBe(done + 1);
  });
});

describe("routing answers to the client's DMs", () => {
  it("ACKs a DM to a node whose key the radio has, from that node", async () => {
    const { radio, c } = await configured();
    const node = keyed(radio);
    expect(await routingAnswer(c, pkiTextPacket(node.num, 1001, "hi"), 1001)).toEqual([RoutingError.NONE, node.num]);
    expect(radio.clientPackets.at(-1)?.packet.id).toBe(1001);
    expect(radio.stats.packetsFromClient).toBe(1);
  });

  it("answers PKI_SEND_FAIL_PUBLIC_KEY (39) when the radio has no key for the destination", async () => {
    const { radio, c } = await configured();
    const answer = await routingAnswer(c, pkiTextPacket(keyless(radio).num, 1002, "hi"), 1002);
    expect(answer).toEqual([RoutingError.PKI_SEND_FAIL_PUBLIC_KEY, radio.ownNode.num]);
  });

  it("answers PKI_FAILED (34) when the client's public_key differs from the radio's", async () => {
    const { radio, c } = await configured();
    const node = keyed(radio);
    const payload = encodeToRadio({
      payloadVariant: {
        case: "packet",
        value: {
          to: node.num,
          id: 1003,
          wantAck: true,
          pkiEncrypted: true,
          publicKey: new Uint8Array(32).fill(9),
          payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new Uint8Array([104]) } },
        },
      },
    });
    expect(await routingAnswer(c, payload, 1003)).toEqual([RoutingError.PKI_FAILED, radio.ownNode.num]);
  });

  it("answers PKI_UNKNOWN_PUBKEY (35) from a node marked as lacking our key", async () => {
    const { radio, c } = await configured();
    const node = keyed(radio);
    radio.markLacksOurKey(node.num);
    expect(await routingAnswer(c, pkiTextPacket(node.num, 1004, "hi"), 1004)).toEqual([RoutingError.PKI_UNKNOWN_PUBKEY, node.num]);
  });

  it("takes a key pushed with add_contact, after which the DM is ACKed", async () => {
    const { radio, c } = await configured();
    const node = keyless(radio);
    const key = new Uint8Array(32).fill(0x42);
    const admin = encodeAdmin({
      payloadVariant: { case: "addContact", value: { nodeNum: node.num, user: { longName: "Pushed", shortName: "PU", publicKey: key } } },
    });
    const push = encodeToRadio({
      payloadVariant: {
        case: "packet",
        value: { to: radio.ownNode.num, id: 2001, wantAck: true, payloadVariant: { case: "decoded", value: { portnum: PortNum.ADMIN_APP, payload: admin } } },
      },
    });
    expect(await routingAnswer(c, push, 2001)).toEqual([RoutingError.NONE, radio.ownNode.num]);
    expect(hex(radio.nodes.get(node.num)?.publicKey)).toBe(hex(key));
    expect(await routingAnswer(c, pkiTextPacket(node.num, 2002, "hi"), 2002)).toEqual([RoutingError.NONE, node.num]);
  });
});

describe("packets from the mesh", () => {
  it("drops a PKI DM from a sender whose key the radio lacks", async () => {
    const { radio, c } = await configured();
    const dropped = once(radio, "dropped");
    expect(radio.deliverPkiDm(keyless(radio).num, "secret")).toBeNull();
    await dropped;
    // Anything sent after it arrives after it: the queueStatus proves nothing came first.
    const from = c.frames.length;
    c.send(heartbeat());
    expect(await c.waitFor((f) => f.payloadVariant.case === "queueStatus", from)).toBe(from);
    expect(radio.stats.pkiDropped).toBe(1);
  });

  it("delivers a PKI DM from a sender with a key, decoded, with pkiEncrypted and the sender's key", async () => {
    const { radio, c } = await configured();
    const node = keyed(radio);
    const id = radio.deliverPkiDm(node.num, "hello") as number;
    const packet = packetOf(c.frames[await c.waitFor(isPacketId(id))] as FromRadio) as MeshPacket;
    expect(packet).toMatchObject({ from: node.num, to: radio.ownNode.num, pkiEncrypted: true });
    expect(hex(packet.publicKey)).toBe(hex(node.publicKey));
    const data = packet.payloadVariant.value as { portnum: number; payload: Uint8Array };
    expect(data.portnum).toBe(PortNum.TEXT_MESSAGE_APP);
    expect(Buffer.from(data.payload).toString()).toBe("hello");
  });

  it("delivers NodeInfo (with the key), encrypted and position packets", async () => {
    const { radio, c } = await configured();
    const node = [...radio.nodes.values()].find((n) => n.publicKey !== null && n.position !== null) as SimNode;
    const info = packetOf(c.frames[await c.waitFor(isPacketId(radio.deliverNodeInfo(node.num)))] as FromRadio);
    expect(portOf(info)).toBe(PortNum.NODEINFO_APP);
    const user = decodeUser((info?.payloadVariant.value as { payload: Uint8Array }).payload);
    expect(hex(user.publicKey)).toBe(hex(node.publicKey));
    const encrypted = packetOf(c.frames[await c.waitFor(isPacketId(radio.deliverEncrypted(node.num)))] as FromRadio);
    expect(encrypted?.payloadVariant.case).toBe("encrypted");
    expect(encrypted?.from).toBe(node.num);
    const position = packetOf(c.frames[await c.waitFor(isPacketId(radio.deliverPosition(node.num)))] as FromRadio);
    expect(portOf(position)).toBe(PortNum.POSITION_APP);
    expect(decodePosition((position?.payloadVariant.value as { payload: Uint8Array }).payload).latitudeI).toBe(node.position?.latitudeI);
  });
});

describe("NodeDB controls", () => {
  it("addNodesSilently tells the client nothing, and the next 69421 dump includes the new keys", async () => {
    const { radio, c } = await configured();
    const added = radio.addNodesSilently(3);
    expect(added).toHaveLength(3);
    expect(radio.nodes.size).toBe(23);
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    expect(done - from).toBe(1 + 23); // nothing arrived before the dump
    const dumped = new Map(
      c.frames.slice(from, done).flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [[f.payloadVariant.value.num, hex(f.payloadVariant.value.user?.publicKey)]] : [])),
    );
    for (const node of added) expect(dumped.get(node.num)).toBe(hex(node.publicKey));
  });

  it("rotateKey, setKey and duplicateKey change what the radio reports", async () => {
    const { radio } = await configured();
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
    const { radio, c } = await configured({ replayAfterComplete: true });
    let from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    c.send(heartbeat());
    const answered = await c.waitFor((f) => f.payloadVariant.case === "queueStatus", done);
    const replayed = c.frames.slice(done + 1, answered).map(packetOf);
    expect(replayed.length).toBeGreaterThan(4);
    const ports = new Set(replayed.map(portOf));
    expect(ports).toEqual(new Set([PortNum.POSITION_APP, PortNum.TELEMETRY_APP]));
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
    expect(await c.waitFor((f) => f.payloadVariant.case === "queueStatus", configDone)).toBe(configDone + 1);
  });

  it("does not replay in 2.7 mode", async () => {
    const { c } = await configured();
    const from = c.frames.length;
    c.send(wantConfig(NONCE_ONLY_NODES));
    const done = await c.waitComplete(NONCE_ONLY_NODES, from);
    c.send(heartbeat());
    expect(await c.waitFor((f) => f.payloadVariant.case === "queueStatus", done)).toBe(done + 1);
  });
});
