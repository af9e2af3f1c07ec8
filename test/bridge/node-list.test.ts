// bridge/nodes and bridge/alerts over real parts: the simulated radio, the radio link, the
// directory and the manager (startKeySync), the real aedes broker, the bridge's MQTT client
// and a real MQTT.js subscriber counting what arrives. Time for the once-a-second limit is
// the injected clock, moved by hand; the sockets run on real time. Then the whole app.
import { afterEach, describe, expect, it, onTestFinished } from "vitest";
import { NODE_LIST_GAP_MS, NodeList, type NodeListOptions } from "../../src/bridge/node-list.js";
import { KeyDirectory, type ChangeJournal } from "../../src/directory/keys.js";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { BridgeMqttClient } from "../../src/mqtt/client.js";
import type { CompactNode } from "../../src/mqtt/compact-nodes.js";
import { startBridge, type RunningBridge } from "../helpers/app.js";
import { ManualClock, flush } from "../helpers/clock.js";
import { dump, ingestDump, key, remote } from "../directory/util.js";
import { nextEvent } from "../helpers/events.js";
import { startKeySync, type KeySyncRig } from "../helpers/keysync.js";
import { Observer, json, retainedNow } from "../helpers/mqtt.js";

const BASE = "nl";
const NODES = `${BASE}/bridge/nodes`;
const ALERTS = `${BASE}/bridge/alerts`;
const WEAK = Uint8Array.from({ length: 32 }, (_, i) => (i * 13 + 5) & 0xff);

const list = (text: string) => json(text) as CompactNode[];
const ids = (nodes: CompactNode[]) => nodes.map((n) => n.id);

/** What the lists must hold: the directory's own views, compacted, by node number. */
function expected(r: KeySyncRig): CompactNode[] {
  return r.directory.list().map((v) => ({ id: v.id, long_name: v.long_name, short_name: v.short_name, status: v.status, key_fingerprint: v.key_fingerprint, in_radio: v.in_radio }));
}
const attention = (nodes: CompactNode[]) => nodes.filter((n) => n.status !== "ok" && n.status !== "missing");

/** A NodeList over `directory` on a real broker and client, with an observer of `topics`; stopped after the test. */
async function publishing(directory: NodeListOptions["directory"], clock: NodeListOptions["clock"], topics: string[]) {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await broker.start();
  const client = new BridgeMqttClient({ url: broker.url, baseTopic: BASE, reconnect: { minMs: 20, maxMs: 50 } });
  const observer = await Observer.connect(broker.url, topics);
  const nodeList = new NodeList({ client, topics: client.topics, directory, clock });
  onTestFinished(async () => {
    await nodeList.stop();
    await observer.close();
    await client.stop();
    await broker.stop();
  });
  client.start();
  nodeList.start();
  await client.whenConnected();
  return { client, observer };
}

async function setup() {
  const r = await startKeySync({ sim: { nodes: 20, seed: 11 }, weakKeys: [WEAK] });
  const { client, observer } = await publishing(r.directory, r.clock, [NODES, ALERTS]);
  /** The next list on `topic` (after `since`) that `match` accepts, letting the once-a-second gap pass. */
  const next = async (topic: string, match: (nodes: CompactNode[]) => boolean, since = 0): Promise<CompactNode[]> => {
    await r.clock.advance(NODE_LIST_GAP_MS);
    return list((await observer.next(topic, (t) => match(list(t)), since)).text);
  };
  return { r, client, observer, next };
}

describe("bridge/nodes and bridge/alerts", () => {
  it("hold every node after a sync, by node number, as the directory has them; alerts only the nodes needing attention", async () => {
    const { r, observer, next } = await setup();
    const first = await next(NODES, (nodes) => nodes.length === r.directory.size);
    expect(first).toEqual(expected(r));
    expect(ids(first)).toEqual(ids(first).slice().sort((a, b) => parseInt(a.slice(1), 16) - parseInt(b.slice(1), 16)));
    expect(new Set(ids(first))).toEqual(new Set([r.sim.ownNode.id, ...[...r.sim.nodes.values()].map((n) => n.id)]));
    // The simulated mesh has nodes without a key: listed, but not alerts.
    expect(first.some((n) => n.status === "missing")).toBe(true);
    expect(list((await observer.next(ALERTS)).text)).toEqual([]);
    // Nodes the radio knows and the bridge was not told of: in the list after the next sync.
    const mark = observer.mark();
    const added = r.sim.addNodesSilently(5);
    await r.manager.sync();
    const after = await next(NODES, (nodes) => nodes.length === r.directory.size, mark);
    expect(after).toEqual(expected(r));
    for (const node of added) expect(ids(after)).toContain(node.id);
  });

  it("change when a status changes; alerts hold exactly the nodes that need attention", async () => {
    const { r, observer, next } = await setup();
    await next(NODES, (nodes) => nodes.length === r.directory.size);
    const [reflashed, weak, dupFrom, dupTo] = [...r.sim.nodes.values()].filter((n) => n.publicKey !== null);
    let mark = observer.mark();
    // A re-flashed device's NodeInfo: key_changed, status changed.
    const changed = nextEvent(r.directory, "event", (e: { type: string }) => e.type === "key_changed");
    r.sim.reflashNode(reflashed!.num);
    r.sim.deliverNodeInfo(reflashed!.num);
    await changed;
    const nodes = await next(NODES, (l) => l.find((n) => n.id === reflashed!.id)?.status === "changed", mark);
    expect(nodes).toEqual(expected(r));
    expect(await next(ALERTS, (l) => l.length > 0, mark)).toEqual([nodes.find((n) => n.id === reflashed!.id)]);
    // A weak key and a cloned key appear in the radio's NodeDB.
    mark = observer.mark();
    r.sim.setKey(weak!.num, WEAK);
    r.sim.duplicateKey(dupFrom!.num, dupTo!.num);
    await r.manager.sync();
    const alerts = await next(ALERTS, (l) => l.length === 4, mark);
    expect(alerts).toEqual(attention(expected(r)));
    expect(Object.fromEntries(alerts.map((n) => [n.id, n.status]))).toEqual({ [reflashed!.id]: "changed", [weak!.id]: "weak", [dupFrom!.id]: "duplicate", [dupTo!.id]: "duplicate" });
    // accept_key: the radio still holds the old key, so the node still needs attention (radio_stale).
    mark = observer.mark();
    await r.keys.acceptKey(reflashed!.num);
    const stale = await next(ALERTS, (l) => l.some((n) => n.status === "radio_stale"), mark);
    expect(stale).toEqual(attention(expected(r)));
    expect(stale.find((n) => n.id === reflashed!.id)?.status).toBe("radio_stale");
    // forget: gone from both lists.
    mark = observer.mark();
    await r.keys.forget(weak!.num);
    const forgotten = await next(ALERTS, (l) => l.length === 3, mark);
    expect(ids(forgotten)).not.toContain(weak!.id);
    expect(ids(await next(NODES, (l) => l.length === r.directory.size, mark))).not.toContain(weak!.id);
  });

  it("a burst of 200 changes: at most one publication a second on the subscriber, the last state always out", async () => {
    const { r, observer, next } = await setup();
    await next(NODES, (nodes) => nodes.length === r.directory.size);
    await flush();
    const target = [...r.sim.nodes.values()][3]!;
    const mark = observer.mark();
    const began = r.clock.now();
    for (let i = 1; i <= 200; i++) {
      r.directory.ingest([{ num: target.num, key: null, longName: `Burst ${i}`, heardAt: "now" }], "packet", "alert");
      await flush();
      await r.clock.advance(10);
    }
    const elapsed = r.clock.now() - began;
    const last = await next(NODES, (l) => l.find((n) => n.id === target.id)?.long_name === "Burst 200", mark);
    expect(last).toEqual(expected(r));
    const published = observer.on(NODES, mark);
    // 2 s of changes: one at the first change, one at the end of each second, nothing else.
    expect(published.length).toBeLessThanOrEqual(Math.floor(elapsed / NODE_LIST_GAP_MS) + 1);
    expect(published.length).toBeGreaterThanOrEqual(2);
    expect(list(published.at(-1)!.text)).toEqual(last);
    // Nothing in bridge/alerts changed: nothing sent there.
    expect(observer.on(ALERTS, mark)).toEqual([]);
  });

  it("an unchanged list is not sent again; after a reconnect the current list is", async () => {
    const { r, client, observer, next } = await setup();
    await next(NODES, (nodes) => nodes.length === r.directory.size);
    const node = [...r.sim.nodes.values()][0]!;
    let mark = observer.mark();
    // A change of nodes/<id> that the compact form does not show (the radio's verified flag).
    const view = nextEvent(r.directory, "nodeChanged");
    r.directory.ingest([{ num: node.num, key: null, verified: !r.directory.get(node.num)!.verified, heardAt: "now" }], "packet", "alert");
    await view;
    await r.clock.advance(NODE_LIST_GAP_MS);
    // The next message must be the next real change: nothing came for the invisible one.
    r.directory.ingest([{ num: node.num, key: null, longName: "Renamed", heardAt: "now" }], "packet", "alert");
    await next(NODES, (l) => l.some((n) => n.long_name === "Renamed"), mark);
    expect(observer.on(NODES, mark)).toHaveLength(1);
    // A new connection: the broker may have lost everything, so the list goes out again.
    mark = observer.mark();
    const reconnected = nextEvent(client, "connect");
    client.destroySocket();
    await reconnected;
    const again = await next(NODES, () => true, mark);
    expect(again).toEqual(expected(r));
  });
});

/** The store's part in durable-before-announced: batches become durable when the test says so. */
class HeldJournal implements ChangeJournal {
  readonly batches: (() => void)[] = [];
  persist(): Promise<void> {
    return new Promise((resolve) => this.batches.push(resolve));
  }
}

describe("durable before announced", () => {
  it("a change the store does not have yet is never listed, even when the list goes out for another reason", async () => {
    const clock = new ManualClock();
    const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
    const journal = new HeldJournal();
    directory.useJournal(journal);
    const { client, observer } = await publishing(directory, clock, [NODES]);
    ingestDump(directory, dump(null, [remote(1, key(1)), remote(2, null)]), "alert");
    journal.batches.shift()!();
    await directory.lastChangeAnnounced();
    await clock.advance(NODE_LIST_GAP_MS);
    expect(list((await observer.next(NODES, (t) => list(t).length === 2)).text).map((n) => n.key_fingerprint !== null)).toEqual([true, false]);
    // Node 2's key and a new node 3, not durable yet; then a reconnect republishes the list.
    ingestDump(directory, dump(null, [remote(1, key(1)), remote(2, key(2)), remote(3, key(3))]), "alert");
    const mark = observer.mark();
    const reconnected = nextEvent(client, "connect");
    client.destroySocket();
    await reconnected;
    await clock.advance(NODE_LIST_GAP_MS);
    const republished = list((await observer.next(NODES, () => true, mark)).text);
    expect(republished.map((n) => [n.id, n.key_fingerprint !== null])).toEqual([["!00000001", true], ["!00000002", false]]);
    // Durable: announced, and listed.
    journal.batches.shift()!();
    await directory.lastChangeAnnounced();
    await clock.advance(NODE_LIST_GAP_MS);
    const durable = list((await observer.next(NODES, (t) => list(t).length === 3, mark)).text);
    expect(durable.every((n) => n.key_fingerprint !== null)).toBe(true);
  });
});

describe("in the app", () => {
  let bridge: RunningBridge | undefined;
  afterEach(async () => {
    await bridge?.stop();
    bridge = undefined;
  });

  it("publishes both lists retained, with every node of the simulated radio", async () => {
    bridge = await startBridge({}, { nodes: 12 });
    const observer = await Observer.connect(bridge.mqttUrl, ["meshtastic-keysync/bridge/nodes", "meshtastic-keysync/bridge/alerts"]);
    onTestFinished(() => observer.close());
    const nodes = await observer.next("meshtastic-keysync/bridge/nodes", (t) => list(t).length === 13);
    expect(ids(list(nodes.text))).toContain(bridge.sim.ownNode.id);
    await observer.next("meshtastic-keysync/bridge/alerts");
    // A dashboard that connects later gets both from the broker's store.
    expect(await retainedNow(bridge.mqttUrl, "meshtastic-keysync/bridge/nodes")).toBe(nodes.text);
    expect(list((await retainedNow(bridge.mqttUrl, "meshtastic-keysync/bridge/alerts"))!)).toEqual([]);
  });
});
