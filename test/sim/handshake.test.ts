// The config handshake of the simulated radio against what FIRMWARE.md and the 2.7.26
// capture show: order and contents for a normal nonce, 69421 and 69420.
import { describe, expect, it } from "vitest";
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, wantConfig, type FromRadio } from "../../src/protocol/messages.js";
import type { SimRadio, SimRadioOptions } from "../../src/sim/index.js";
import { hex, kinds, type TestClient } from "./client.js";
import { simHarness } from "./harness.js";

const CONFIG_HEAD = ["myInfo", "deviceuiConfig", "nodeInfo", "metadata", ...Array<string>(8).fill("channel")];
const CONFIG_SECTIONS = [...Array<string>(10).fill("config"), ...Array<string>(16).fill("moduleConfig")];
const FILES = Array<string>(5).fill("fileInfo");

const h = simHarness();

async function setup(options: SimRadioOptions = {}): Promise<{ radio: SimRadio; client: TestClient }> {
  const { radio, port } = await h.start({ nodes: 5, ...options });
  return { radio, client: await h.client(port) };
}

function nodeInfoNums(frames: FromRadio[]): number[] {
  return frames.flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [f.payloadVariant.value.num] : []));
}

describe("want_config with a normal nonce", () => {
  it("sends every section in the firmware's order, then config_complete_id echoing the nonce", async () => {
    const { radio, client } = await setup({ firmwareVersion: "2.7.99.test" });
    client.send(wantConfig(0x11223344));
    const done = await client.waitComplete(0x11223344);
    const frames = client.frames.slice(0, done + 1);
    expect(kinds(frames)).toEqual([
      ...CONFIG_HEAD,
      ...CONFIG_SECTIONS,
      ...Array<string>(5).fill("nodeInfo"),
      ...FILES,
      "configCompleteId",
    ]);
    const own = radio.ownNode;
    const [myInfo, , ownInfo, metadata] = frames;
    expect(myInfo?.payloadVariant.case === "myInfo" && myInfo.payloadVariant.value.myNodeNum).toBe(own.num);
    expect(ownInfo?.payloadVariant.case === "nodeInfo" && hex(ownInfo.payloadVariant.value.user?.publicKey)).toBe(hex(own.publicKey));
    expect(metadata?.payloadVariant.case === "metadata" && metadata.payloadVariant.value.firmwareVersion).toBe("2.7.99.test");
    expect(nodeInfoNums(frames)).toEqual([own.num, ...radio.nodes.keys()]);
    expect(radio.stats.dumps).toEqual({ full: 1, nodesOnly: 0, configOnly: 0 });
  });

  it("reports 2.7.26.sim by default and carries the fake private key in the security section", async () => {
    const { radio, client } = await setup();
    client.send(wantConfig(7));
    const done = await client.waitComplete(7);
    const frames = client.frames.slice(0, done + 1);
    const metadata = frames.find((f) => f.payloadVariant.case === "metadata");
    expect(metadata?.payloadVariant.value).toMatchObject({ firmwareVersion: "2.7.26.sim", hasPKC: true });
    const security = frames.flatMap((f) =>
      f.payloadVariant.case === "config" && f.payloadVariant.value.payloadVariant.case === "security"
        ? [f.payloadVariant.value.payloadVariant.value]
        : [],
    );
    expect(security).toHaveLength(1);
    expect(hex(security[0]?.privateKey)).toBe(hex(radio.ownPrivateKey));
    expect(hex(security[0]?.publicKey)).toBe(hex(radio.ownNode.publicKey));
    const channels = frames.flatMap((f) => (f.payloadVariant.case === "channel" ? [f.payloadVariant.value.index] : []));
    expect(channels).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it("restarts the state machine on a second want_config on the same connection", async () => {
    const { client } = await setup();
    client.send(wantConfig(1));
    const first = await client.waitComplete(1);
    client.send(wantConfig(2));
    const second = await client.waitComplete(2, first + 1);
    expect(kinds(client.frames.slice(first + 1, second + 1))).toEqual(kinds(client.frames.slice(0, first + 1)));
  });
});

describe("special nonces", () => {
  it("69421 sends our own node_info, every other node_info and complete, nothing else", async () => {
    const { radio, client } = await setup();
    client.send(wantConfig(NONCE_ONLY_NODES));
    const done = await client.waitComplete(NONCE_ONLY_NODES);
    expect(kinds(client.frames)).toEqual([...Array<string>(6).fill("nodeInfo"), "configCompleteId"]);
    expect(done).toBe(6);
    expect(nodeInfoNums(client.frames)).toEqual([radio.ownNode.num, ...radio.nodes.keys()]);
    expect(radio.stats.dumps.nodesOnly).toBe(1);
  });

  it("69420 sends everything except the other node infos", async () => {
    const { radio, client } = await setup();
    client.send(wantConfig(NONCE_ONLY_CONFIG));
    await client.waitComplete(NONCE_ONLY_CONFIG);
    expect(kinds(client.frames)).toEqual([...CONFIG_HEAD, ...CONFIG_SECTIONS, ...FILES, "configCompleteId"]);
    expect(nodeInfoNums(client.frames)).toEqual([radio.ownNode.num]);
    expect(radio.stats.dumps.configOnly).toBe(1);
  });

  it("delivers a 10,000-node nodes-only dump whole, keys with 0x94 0xC3 intact", async () => {
    const { radio, client } = await setup({ nodes: 10_000 });
    client.send(wantConfig(NONCE_ONLY_NODES));
    await client.waitComplete(NONCE_ONLY_NODES);
    const infos = client.frames.flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [f.payloadVariant.value] : []));
    expect(infos).toHaveLength(10_001);
    expect(client.decoder.stats.skippedBytes).toBe(0);
    const received = infos.slice(1).map((info) => `${info.num}:${hex(info.user?.publicKey)}`);
    const expected = [...radio.nodes.values()].map((node) => `${node.num}:${hex(node.publicKey)}`);
    expect(received).toEqual(expected);
    const magicKeys = infos.filter((info) => hex(info.user?.publicKey).match(/^(..)*94c3/)).length;
    expect(magicKeys).toBeGreaterThan(1000);
    // Batched: about a megabyte in writes of ~32 KiB, not one write per frame.
    expect(radio.stats.bytesOut).toBeGreaterThan(1_000_000);
    expect(radio.stats.socketWrites).toBeLessThan(100);
  });
});
