// The key-sync engine end to end: simulated radio → radio link → manager → key directory,
// with time injected so no interval ever passes by accident.
import { describe, expect, it } from "vitest";
import { fingerprintOf } from "../../src/directory/record.js";
import type { KeySyncOptions } from "../../src/sync/manager.js";
import { crc32 } from "../../src/directory/crc32.js";
import type { SimRadioOptions } from "../../src/sim/index.js";
import { flush } from "../helpers/clock.js";
import { nextEvent } from "../helpers/events.js";
import { startKeySync, type KeySyncRig } from "../helpers/keysync.js";

const WEAK_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);

type Policy = "alert" | "pin";

function rig(sim: SimRadioOptions, options: Partial<KeySyncOptions> & { policy?: Policy } = {}): Promise<KeySyncRig> {
  const { policy, ...manager } = options;
  return startKeySync({ sim, manager: { keyChange: policy ?? "alert", ...manager }, weakKeys: [WEAK_KEY] });
}

const hex = (k: Uint8Array | null | undefined): string | null => (k ? Buffer.from(k).toString("hex") : null);

describe("key sync against the simulated radio", () => {
  it("the handshake fills the directory (sync 1); ten more syncs on the same connection, zero force-closes", async () => {
    const r = await rig({ nodes: 300 });
    expect(r.syncs()).toBe(1);
    for (const node of r.sim.nodes.values()) {
      expect(hex(r.directory.get(node.num)?.key)).toBe(hex(node.publicKey));
    }
    for (let i = 0; i < 10; i++) await r.manager.sync();
    expect(r.syncs()).toBe(11);
    expect(r.sim.stats.forceCloses).toBe(0);
    expect(r.sim.stats.connections).toBe(1);
    const stats = r.manager.stats();
    expect(stats.nodes_total).toBe(301);
    expect(stats.nodes_with_key + stats.nodes_missing_key).toBe(301);
    expect(stats.last_error).toBeNull();
  });

  it("an undecryptable packet from a silently added node brings its key by one on-demand sync, no interval elapsed", async () => {
    const r = await rig({ nodes: 50 });
    const added = r.sim.addNodesSilently(5);
    const target = added[2]!;
    expect(r.directory.get(target.num)).toBeUndefined();
    const stats = nextEvent(r.manager, "stats", (s: { sync_count: number }) => s.sync_count === 2);
    const before = r.clock.now();
    r.sim.deliverEncrypted(target.num);
    await stats;
    expect(r.clock.now()).toBe(before);
    expect(hex(r.directory.get(target.num)?.key)).toBe(hex(target.publicKey));
    expect(r.events).toContainEqual({ type: "key_missing", data: { id: target.id, reason: "encrypted_from_unknown" } });
  });

  it("with the 2.8 replay burst, ten syncs in a row trigger no extra sync", async () => {
    const r = await rig({ nodes: 40, replayAfterComplete: true, replayNodes: 12 });
    for (let i = 0; i < 10; i++) await r.manager.sync();
    await flush();
    expect(r.syncs()).toBe(11);
    expect(r.sim.stats.dumps.nodesOnly).toBe(10);
    expect(r.events.filter((e) => e.type === "key_missing")).toEqual([]);
  });

  it("a rotated key under alert is taken, raises key_changed with both fingerprints, and stays changed until accept_key", async () => {
    const r = await rig({ nodes: 20 }, { policy: "alert" });
    const node = [...r.sim.nodes.values()].find((n) => n.publicKey)!;
    const oldKey = node.publicKey!;
    const newKey = r.sim.rotateKey(node.num);
    await r.manager.sync();
    expect(hex(r.directory.get(node.num)?.key)).toBe(hex(newKey));
    expect(r.events).toContainEqual({ type: "key_changed", data: { id: node.id, old_fingerprint: fingerprintOf(oldKey), new_fingerprint: fingerprintOf(newKey), action: "taken", old_source: "nodedb", new_source: "nodedb" } });
    expect(r.keys.node(node.num).status).toBe("changed");
    expect(r.manager.stats().keys_updated).toBe(1);
    expect((await r.keys.acceptKey(node.num)).status).toBe("ok");
  });

  it("under pin the old key is kept, changed until accept_key installs the new one", async () => {
    const r = await rig({ nodes: 20 }, { policy: "pin" });
    const node = [...r.sim.nodes.values()].find((n) => n.publicKey)!;
    const oldKey = node.publicKey!;
    const newKey = r.sim.rotateKey(node.num);
    await r.manager.sync();
    expect(hex(r.directory.get(node.num)?.key)).toBe(hex(oldKey));
    expect(r.events).toContainEqual(expect.objectContaining({ type: "key_changed", data: expect.objectContaining({ action: "pinned" }) as unknown }));
    expect(r.manager.stats().keys_updated).toBe(0);
    expect(r.keys.node(node.num).status).toBe("changed");
    await r.manager.sync();
    expect(hex(r.directory.get(node.num)?.key)).toBe(hex(oldKey));
    expect((await r.keys.acceptKey(node.num)).status).toBe("ok");
    expect(hex(r.directory.get(node.num)?.key)).toBe(hex(newKey));
  });

  it("flags a weak key and a duplicated key, but not a 2.8 renumbering", async () => {
    const r = await rig({ nodes: 20 });
    const keyed = [...r.sim.nodes.values()].filter((n) => n.publicKey);
    r.sim.setKey(keyed[0]!.num, WEAK_KEY);
    r.sim.duplicateKey(keyed[1]!.num, keyed[2]!.num);
    await r.manager.sync();
    expect(r.keys.node(keyed[0]!.num).status).toBe("weak");
    expect(r.keys.node(keyed[2]!.num).status).toBe("duplicate");
    expect(r.events.some((e) => e.type === "weak_key" && e.data.id === keyed[0]!.id)).toBe(true);
    expect(r.events.some((e) => e.type === "duplicate_key")).toBe(true);

    expect(r.manager.stats().alerts).toBeGreaterThanOrEqual(3);

    // Firmware 2.8 renumbers a node to crc32(key): the same key shows up under the new number
    // while the old number is never heard again. That is a renumbering, not a duplicate.
    const moved = keyed[3]!;
    const newNum = crc32(moved.publicKey!);
    await r.clock.advance(1_000);
    r.sim.db.addContact(newNum, { longName: moved.longName, shortName: moved.shortName, publicKey: moved.publicKey! }, Math.floor(Date.now() / 1000) + 60);
    await r.manager.sync();
    expect(r.directory.get(newNum)).toBeDefined();
    expect(r.keys.node(moved.num).status).toBe("ok");
    expect(r.events.some((e) => e.type === "duplicate_key" && e.data.ids.includes(moved.id))).toBe(false);
  });

  it("a flood of 1,000 packets from unknown senders: one sync at a time, at most N per minute", async () => {
    const r = await rig({ nodes: 10 }, { onDemandMaxPerMinute: 3 });
    let concurrent = 0;
    let maxConcurrent = 0;
    r.sim.on("dumpStart", () => (maxConcurrent = Math.max(maxConcurrent, ++concurrent)));
    r.sim.on("dump", () => concurrent--);
    let seen = 0;
    r.radio.on("nodeSeen", () => seen++);
    const idle = async (): Promise<void> => {
      await flush();
      while (r.manager.stats().syncing) {
        await nextEvent(r.manager, "stats");
        await flush();
      }
    };
    // Ten waves of 100 packets, each from a sender the radio forgets at once, so every wave is
    // news again: without the limit, each wave would cause its own sync.
    for (let wave = 0; wave < 10; wave++) {
      const senders = r.sim.addNodesSilently(100);
      for (const node of senders) r.sim.deliverEncrypted(node.num);
      for (const node of senders) r.sim.db.remove(node.num);
      const target = (wave + 1) * 100;
      while (seen < target) await nextEvent(r.radio, "nodeSeen");
      await idle();
    }
    expect(maxConcurrent).toBe(1);
    expect(r.sim.stats.dumps.nodesOnly).toBe(3);
    await r.clock.advance(60_000);
    await idle();
    expect(r.sim.stats.dumps.nodesOnly).toBe(4);
  });
});
