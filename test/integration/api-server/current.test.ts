// Long-lived API clients stay current: a client connected across re-reads, a re-flash, a key
// only the directory has and an emptied NodeDB refilled holds, at every step, the node list a
// fresh handshake serves (nodes, names, keys), and got one node_info per node that changed.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PortNum, decodeUser, wantConfig, type FromRadio } from "../../../src/protocol/messages.js";
import { startApiRig, type ApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";
import type { TestClient } from "../../sim/client.js";

type Entry = { longName: string; shortName: string; key: string | null };

const hex = (key: Uint8Array | null | undefined) => (key && key.length > 0 ? Buffer.from(key).toString("hex") : null);

/** A client's node list as the apps and the Python library keep it: node_infos, and the user of every NODEINFO_APP packet heard. */
function nodeList(frames: readonly FromRadio[], until = frames.length): Record<number, Entry> {
  const nodes: Record<number, Entry> = {};
  for (const frame of frames.slice(0, until)) {
    const v = frame.payloadVariant;
    if (v.case === "nodeInfo") nodes[v.value.num] = { longName: v.value.user?.longName ?? "", shortName: v.value.user?.shortName ?? "", key: hex(v.value.user?.publicKey) };
    if (v.case === "packet" && v.value.payloadVariant.case === "decoded" && v.value.payloadVariant.value.portnum === PortNum.NODEINFO_APP) {
      const user = decodeUser(v.value.payloadVariant.value.payload);
      nodes[v.value.from] = { longName: user.longName, shortName: user.shortName, key: hex(user.publicKey) };
    }
  }
  return nodes;
}

const isNodeInfo = (f: FromRadio) => f.payloadVariant.case === "nodeInfo";
const nodeNums = (frames: readonly FromRadio[]) => frames.flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [f.payloadVariant.value.num] : []));

async function ready(client: TestClient, nonce: number): Promise<number> {
  client.send(wantConfig(nonce));
  return (await client.waitComplete(nonce)) + 1;
}

let nonce = 0x6000;
/** What a client connecting now is served. */
async function fresh(rig: ApiRig): Promise<Record<number, Entry>> {
  const client = await rig.raw();
  const at = await ready(client, ++nonce);
  await client.close();
  return nodeList(client.frames, at);
}

/** Resolves once everything sent to `client` before a live packet of ours has arrived. */
async function settled(rig: ApiRig, client: TestClient, sender = [...rig.sim.nodes.keys()][0] as number): Promise<void> {
  const from = client.frames.length;
  const id = rig.sim.deliverPosition(sender);
  await client.waitFor((f) => f.payloadVariant.case === "packet" && f.payloadVariant.value.id === id, from, "our marker packet");
}

/** A re-read that finds nothing new sends the client no node_info at all. */
async function expectQuietReread(rig: ApiRig, client: TestClient): Promise<void> {
  const before = client.frames.length;
  await rig.radio.requestNodeDb();
  await settled(rig, client);
  expect(client.frames.slice(before).filter(isNodeInfo)).toHaveLength(0);
}

describe("API clients that stay connected", () => {
  it("a re-read bringing 3 new nodes and 1 changed key sends exactly those 4 node_infos; the list equals a fresh handshake's", async () => {
    const rig = await startApiRig();
    const client = await rig.raw();
    const from = await ready(client, 0x5000);
    const changed = [...rig.sim.nodes.keys()][2] as number;
    const added = rig.sim.addNodesSilently(3).map((n) => n.num);
    const key = rig.sim.rotateKey(changed);
    await rig.radio.requestNodeDb();
    await settled(rig, client);
    const got = client.frames.slice(from).filter(isNodeInfo);
    expect(nodeNums(got).sort()).toEqual([...added, changed].sort());
    expect(nodeList(client.frames)[changed]?.key).toBe(hex(key));
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
    // A re-read that finds nothing new sends nothing.
    await expectQuietReread(rig, client);
  });

  it("a node the radio learned silently reaches a connected client with its key once its undecryptable packet makes the bridge sync", async () => {
    const rig = await startApiRig();
    const client = await rig.raw();
    const from = await ready(client, 0x5004);
    const [silent] = rig.sim.addNodesSilently(1).map((n) => n.num) as [number];
    const synced = nextEvent(rig.radio.tap, "cache");
    rig.sim.deliverEncrypted(silent);
    await synced;
    await settled(rig, client);
    expect(nodeNums(client.frames.slice(from))).toEqual([silent]);
    expect(nodeList(client.frames)[silent]?.key).toBe(hex(rig.sim.nodes.get(silent)?.publicKey));
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
  });

  it("a re-flashed node's NodeInfo reaches the client, then the key the radio kept: no refused key stays in its list", async () => {
    const rig = await startApiRig();
    const client = await rig.raw();
    const from = await ready(client, 0x5001);
    const num = [...rig.sim.nodes.keys()][4] as number;
    const old = hex(rig.sim.nodes.get(num)?.publicKey);
    const reflashed = rig.sim.reflashNode(num);
    rig.sim.deliverNodeInfo(num);
    await settled(rig, client);
    const after = client.frames.slice(from);
    // The packet as heard (the client's library takes its user), then our node_info with the radio's key.
    expect(nodeNums(after)).toEqual([num]);
    expect(nodeList(client.frames)[num]?.key).toBe(old);
    expect(old).not.toBe(hex(reflashed));
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
    // A NodeInfo the radio takes as heard needs no correction; nor does the re-read after it.
    const count = client.frames.filter(isNodeInfo).length;
    rig.sim.deliverNodeInfo([...rig.sim.nodes.keys()][5] as number);
    await rig.radio.requestNodeDb();
    await settled(rig, client);
    expect(client.frames.filter(isNodeInfo)).toHaveLength(count);
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
  });

  it("a key only the directory has reaches the client once; a later re-read keeps the two lists equal", async () => {
    let num = 0;
    const rig = await startApiRig({ before: (sim) => sim.setKey((num = [...sim.nodes.keys()][6] as number), null) });
    const client = await rig.raw();
    const from = await ready(client, 0x5002);
    expect(nodeList(client.frames)[num]?.key).toBeNull();
    const key = randomBytes(32);
    rig.directory.ingest([{ num, key }], "gateway:other", "alert");
    await settled(rig, client);
    expect(nodeNums(client.frames.slice(from))).toEqual([num]);
    expect(nodeList(client.frames)[num]?.key).toBe(hex(key));
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
    await expectQuietReread(rig, client);
  });

  it("an emptied NodeDB, refilled node by node, never changes the client's list but where a node came back different", async () => {
    const rig = await startApiRig();
    const client = await rig.raw();
    const from = await ready(client, 0x5003);
    const nums = [...rig.sim.nodes.keys()];
    rig.sim.emptyNodeDb();
    const reread = nextEvent(rig.radio.tap, "cache");
    await rig.radio.requestNodeDb();
    await reread;
    await settled(rig, client, nums[0]);
    // An own-node-only answer means nothing learned: the clients keep what they have.
    expect(client.frames.slice(from).filter(isNodeInfo)).toHaveLength(0);
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
    // The radio hears its nodes again: it stores them as heard, and each client already has them so.
    for (const num of nums) rig.sim.deliverNodeInfo(num);
    await rig.radio.requestNodeDb();
    await settled(rig, client, nums[0]);
    expect(client.frames.slice(from).filter(isNodeInfo)).toHaveLength(0);
    expect(nodeList(client.frames)).toEqual(await fresh(rig));
  });
});
