// Keys the radio lacks, in the API clients' NodeDB: the directory's shareable key where the
// radio's entry has none, the radio's own key wherever it holds one, directory-only nodes with
// directory_nodes, and a key that becomes available while a client is connected sent at once.
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { RadioFrame } from "../../../src/radio/shared.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";

const hex = (key: Uint8Array | null | undefined) => (key ? Buffer.from(key).toString("hex") : null);

describe("keys in the API clients' NodeDB", () => {
  it("fills a node the radio lost the key of with the directory's confirmed key; keyless stays keyless; the radio's key wins where it has one", async () => {
    const rig = await startApiRig();
    const [lost, changed, keyless] = [...rig.sim.nodes.keys()] as [number, number, number];
    const ours = rig.directory.get(lost)?.confirmedKey;
    expect(ours?.length).toBe(32);
    const radioKey = randomBytes(32);
    rig.sim.setKey(lost, null);
    rig.sim.setKey(changed, radioKey);
    rig.sim.setKey(keyless, null);
    rig.directory.forget(keyless);
    await rig.radio.requestNodeDb();
    expect(rig.radio.cache?.nodes).toHaveLength(20);
    const { dump } = await rig.link();
    const key = (num: number) => hex(dump.nodes.find((n) => n.num === num)?.publicKey);
    expect(key(lost)).toBe(hex(ours));
    // The radio holds another key than the directory's confirmed one: the client talks through that radio.
    expect(hex(rig.directory.get(changed)?.confirmedKey)).not.toBe(hex(radioKey));
    expect(key(changed)).toBe(hex(radioKey));
    expect(key(keyless)).toBeNull();
    expect(dump.nodes).toHaveLength(20);
  });

  it("never serves a key that may not leave the bridge (a gateway outside share.trust)", async () => {
    let num = 0;
    const rig = await startApiRig({ trust: ["friend"], before: (sim) => sim.setKey((num = [...sim.nodes.keys()][0] as number), null) });
    const [other] = [...rig.sim.nodes.keys()].slice(1) as [number];
    rig.sim.setKey(other, null);
    await rig.radio.requestNodeDb();
    // Neither node has a key in the directory; each gets its first from a gateway.
    rig.directory.forget(other);
    expect(rig.directory.get(num)?.key).toBeNull();
    rig.directory.ingest([{ num, key: randomBytes(32) }], "gateway:stranger", "alert");
    const friendKey = randomBytes(32);
    rig.directory.ingest([{ num: other, key: friendKey }], "gateway:friend", "alert");
    const { dump } = await rig.link();
    expect(dump.nodes.find((n) => n.num === num)?.publicKey).toBeNull();
    expect(hex(dump.nodes.find((n) => n.num === other)?.publicKey)).toBe(hex(friendKey));
  });

  it("adds the nodes only the directory knows with directory_nodes, and not without", async () => {
    const outside = 0x0badcafe;
    const key = randomBytes(32);
    const plain = await startApiRig();
    plain.directory.ingest([{ num: outside, longName: "Far away", shortName: "FAR", key }], "gateway:other", "alert");
    expect((await plain.link()).dump.nodes.some((n) => n.num === outside)).toBe(false);

    const rig = await startApiRig({ server: { directoryNodes: true } });
    rig.directory.ingest([{ num: outside, longName: "Far away", shortName: "FAR", key }], "gateway:other", "alert");
    const { dump } = await rig.link();
    expect(dump.nodes).toHaveLength(21);
    expect(dump.nodes.at(-1)).toMatchObject({ num: outside, longName: "Far away", shortName: "FAR" });
    expect(hex(dump.nodes.at(-1)?.publicKey)).toBe(hex(key));
    expect(dump.own?.num).toBe(rig.sim.ownNode.num);
  });

  it("sends a key that becomes available while the client is connected as a node_info, once", async () => {
    let num = 0;
    const rig = await startApiRig({ before: (sim) => sim.setKey((num = [...sim.nodes.keys()][3] as number), null) });
    const { client, dump } = await rig.link();
    expect(dump.nodes.find((n) => n.num === num)?.publicKey).toBeNull();
    const frames: RadioFrame[] = [];
    client.tap.on("frame", (f) => frames.push(f));
    const key = randomBytes(32);
    const arrived = nextEvent<RadioFrame>(client.tap, "frame", (f) => f.message.payloadVariant.case === "nodeInfo");
    rig.directory.ingest([{ num, key }], "gateway:other", "alert");
    const info = (await arrived).message.payloadVariant;
    expect(info.case === "nodeInfo" && info.value.num).toBe(num);
    expect(info.case === "nodeInfo" && hex(info.value.user?.publicKey)).toBe(hex(key));
    // A change that leaves the served key as it was sends nothing; a live packet shows the link is still flowing.
    rig.directory.ingest([{ num, key, longName: "Renamed" }], "gateway:other", "alert");
    const live = nextEvent<RadioFrame>(client.tap, "frame", (f) => f.message.payloadVariant.case === "packet");
    rig.sim.deliverPosition([...rig.sim.nodes.keys()][0] as number);
    await live;
    expect(frames.filter((f) => f.message.payloadVariant.case === "nodeInfo")).toHaveLength(1);
  });
});
