// What the radio holds, over a simulated radio that evicts like firmware, and keys brought by
// the packets of nodes we did not know.
import { describe, expect, it } from "vitest";
import type { LogPort } from "../../src/log-port.js";
import { startKeySync } from "../helpers/keysync.js";
import { nextEvent } from "../helpers/events.js";

describe("the radio's NodeDB and the directory", () => {
  it("capacity 60, 100 nodes heard over time: the directory keeps every key, in_radio is right for each", async () => {
    const r = await startKeySync({ sim: { nodes: 10, capacity: 60, seed: 3 } });
    const devices = r.sim.addDevices(90);
    for (let i = 0; i < devices.length; i += 10) {
      for (const device of devices.slice(i, i + 10)) r.sim.deliverNodeInfo(device.num);
      await r.manager.sync();
    }
    expect(r.sim.db.evictions).toBeGreaterThanOrEqual(40);
    expect(r.sim.nodes.size).toBe(59);
    const everyone = [...devices, ...r.sim.nodes.values()];
    for (const device of devices) expect(r.directory.get(device.num)?.key, device.id).toEqual(device.publicKey);
    for (const node of everyone) expect(r.directory.view(node.num)?.in_radio, node.id).toBe(r.sim.nodes.has(node.num));
    const inRadio = r.directory.list().filter((v) => v.in_radio);
    expect(inRadio).toHaveLength(60); // 59 others and the radio's own node
    expect(r.directory.size).toBe(101);
    expect(r.events.filter((e) => e.type === "key_missing")).toEqual([]);
  });

  it("capacity 60, 100 nodes heard over time: sync/stats counts the radio's nodes, the directory's extra ones and every departure", async () => {
    const r = await startKeySync({ sim: { nodes: 10, capacity: 60, seed: 3 } });
    // What the radio held at each sync, from the simulator's side: the reference the figures must match.
    const held = () => new Set([r.sim.ownNode.num, ...r.sim.nodes.keys()]);
    let before = held();
    let departures = 0;
    expect(r.manager.stats()).toMatchObject({ radio_nodes: 11, nodes_only_in_directory: 0, nodes_evicted: 0 });
    const devices = r.sim.addDevices(90);
    for (let i = 0; i < devices.length; i += 10) {
      for (const device of devices.slice(i, i + 10)) r.sim.deliverNodeInfo(device.num);
      await r.manager.sync();
      const now = held();
      departures += [...before].filter((num) => !now.has(num)).length;
      before = now;
      const stats = r.manager.stats();
      expect(stats.radio_nodes).toBe(now.size);
      expect(stats.nodes_only_in_directory).toBe(r.directory.size - now.size);
      expect(stats.nodes_evicted).toBe(departures);
    }
    // Full from the fifth batch on: 60 entries (59 others and the radio's own), 101 nodes known.
    expect(r.manager.stats()).toMatchObject({ radio_nodes: 60, nodes_only_in_directory: 41, nodes_total: 101 });
    expect(departures).toBeGreaterThanOrEqual(40);
    expect(departures).toBeLessThanOrEqual(r.sim.db.evictions);
    // The same count the directory shows per node.
    expect(r.directory.list().filter((v) => !v.in_radio)).toHaveLength(41);
  });

  it("a NodeInfo with a key from an unknown node: key_added, no key_missing, no re-read", async () => {
    const reasons: unknown[] = [];
    const log: LogPort = { debug: (o) => reasons.push((o as { reason?: unknown }).reason), info: () => undefined, warn: () => undefined, error: () => undefined };
    const r = await startKeySync({ sim: { nodes: 10 }, manager: { log } });
    const [stranger] = r.sim.addDevices(1);
    const added = nextEvent(r.directory, "event", (e: { type: string }) => e.type === "key_added");
    r.sim.deliverNodeInfo(stranger!.num);
    expect(await added).toMatchObject({ data: { id: stranger!.id, source: "packet" } });
    // A sync that would have shared an on-demand re-read in flight; it was forced, not on demand.
    await r.manager.sync();
    expect(reasons.filter((reason) => reason !== undefined)).toEqual(["forced"]);
    expect(r.syncs()).toBe(2);
    expect(r.events.filter((e) => e.type === "key_missing")).toEqual([]);
    expect(r.directory.view(stranger!.num)).toMatchObject({ has_key: true, in_radio: true, status: "ok" });
  });

  it("a NodeInfo advertising the radio's own key: the radio refuses it, the bridge flags the clone", async () => {
    const r = await startKeySync({ sim: { nodes: 10 } });
    const node = [...r.sim.nodes.values()].find((n) => n.publicKey)!;
    const stored = Buffer.from(node.publicKey!);
    const refused = nextEvent(r.sim, "nodeInfoRefused");
    const duplicate = nextEvent(r.directory, "event", (e: { type: string }) => e.type === "duplicate_key");
    r.sim.deliverNodeInfo(node.num, r.sim.ownNode.publicKey!);
    expect(await refused).toEqual({ from: node.num, reason: "own_key" });
    expect(await duplicate).toMatchObject({ data: { ids: [r.sim.ownNode.id, node.id].sort() } });
    expect(Buffer.from(r.sim.nodes.get(node.num)!.publicKey!).equals(stored)).toBe(true);
  });

  it("a sync of an unchanged NodeDB changes no node's view", async () => {
    const r = await startKeySync({ sim: { nodes: 40 } });
    let changed = 0;
    r.directory.on("nodeChanged", () => changed++);
    for (let i = 0; i < 3; i++) await r.manager.sync();
    expect(changed).toBe(0);
    // And a node the radio evicts is published once, as no longer in the radio.
    const node = [...r.sim.nodes.values()].find((n) => n.publicKey)!;
    r.sim.evictNode(node.num);
    await r.manager.sync();
    await r.manager.sync();
    expect(changed).toBe(1);
    expect(r.directory.view(node.num)).toMatchObject({ in_radio: false, radio_fingerprint: null, has_key: true, status: "ok" });
  });
});
