// KeySyncManager over a scripted radio (an emitter the test drives), the real directory and a
// hand-moved clock: what counts as a sync, the one delivery of each dump, the figures and the
// engine's own events.
import { EventEmitter } from "node:events";
import { describe, expect, it, onTestFinished } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import type { NodeDbDump, RadioEvents, RadioInfo, RadioStatus } from "../../src/radio/link.js";
import { NodeNotFoundError } from "../../src/sync/errors.js";
import type { BridgeEvent } from "../../src/sync/events.js";
import { KeyCommands } from "../../src/sync/key-commands.js";
import { KeySyncManager, type KeySyncOptions } from "../../src/sync/manager.js";
import type { SyncStats } from "../../src/sync/stats.js";
import { ManualClock, flush } from "../helpers/clock.js";
import { SYNC_DEFAULTS } from "../helpers/keysync.js";
import { dump, key, remote } from "../directory/util.js";

/** The radio as the manager sees it; each requested refresh waits for the test to deliver a dump. */
class ScriptedRadio extends EventEmitter<RadioEvents> {
  status: RadioStatus = { state: "connecting" };
  info: RadioInfo | null = null;
  requests = 0;
  private pending: { resolve: () => void; reject: (e: Error) => void } | null = null;

  start(): void {}
  stop(): Promise<void> {
    return Promise.resolve();
  }

  requestNodeDb(): Promise<void> {
    this.requests++;
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }

  /** Completes a download: the dump event, then the requester's promise (as the real link does). */
  deliver(d: NodeDbDump): void {
    if (d.kind === "handshake") this.setStatus({ state: "connected" });
    this.emit("dump", d);
    this.pending?.resolve();
    this.pending = null;
  }

  failRequest(message: string): void {
    this.pending?.reject(new Error(message));
    this.pending = null;
  }

  setStatus(status: RadioStatus): void {
    this.status = status;
    this.emit("status", status);
  }

  sendText(): never {
    throw new Error("not used");
  }

  addContact(): never {
    throw new Error("not used");
  }
}

function setup(options: Partial<KeySyncOptions> = {}) {
  const clock = new ManualClock();
  const radio = new ScriptedRadio();
  const directory = new KeyDirectory({ now: () => Math.floor(clock.now() / 1000), weakHashes: new Set() });
  const manager = new KeySyncManager({
    radio: radio as never,
    directory,
    clock,
    ...SYNC_DEFAULTS,
    ...options,
  });
  const stats: SyncStats[] = [];
  const events: BridgeEvent[] = [];
  manager.on("stats", (s) => stats.push(s));
  manager.on("event", (e) => events.push(e));
  manager.start();
  onTestFinished(() => {
    radio.failRequest("test over"); // a sync still waiting on the radio must not hold up stop()
    return manager.stop();
  });
  return { clock, radio, directory, manager, stats, events };
}

const handshake = (nodes = [remote(2, key(2)), remote(3, null)]): NodeDbDump => ({ ...dump(remote(1, key(1)), nodes), kind: "handshake", durationMs: 40 });

describe("KeySyncManager", () => {
  it("counts the handshake's dump as sync 1, once, and only then accepts a sync", async () => {
    const { radio, manager, stats, clock } = setup();
    await expect(manager.sync()).rejects.toThrow(/not connected/);
    stats.length = 0;
    radio.deliver(handshake());
    expect(manager.stats()).toMatchObject({ sync_count: 1, keys_added: 2, nodes_total: 3, last_duration_ms: 40, last_error: null });
    // Stats follow the dump's announcement (durable before announced): once it has gone out,
    // one publication for the whole dump, not one per changed node.
    await flush();
    expect(stats.filter((s) => s.sync_count === 1)).toHaveLength(1);
    // initial_delay 0: the first refresh comes one interval after the handshake.
    expect(stats.at(-1)?.next_sync).toBe(Math.floor(clock.now() / 1000) + 300);
  });

  it("a sync asked for while the radio is down fails visibly: sync_failed with the reason, last_error in stats", async () => {
    const { manager, stats, events } = setup();
    stats.length = 0;
    await expect(manager.sync()).rejects.toThrow(/not connected/);
    expect(events).toEqual([{ type: "sync_failed", data: { reason: "the radio is not connected" } }]);
    expect(stats.at(-1)).toMatchObject({ last_error: "the radio is not connected", sync_count: 0 });
  });

  it("answers a requested refresh with the counts of the dump the radio delivered, counted once", async () => {
    const { radio, manager } = setup();
    radio.deliver(handshake());
    const syncing = manager.sync();
    expect(radio.requests).toBe(1);
    expect(manager.stats().syncing).toBe(true);
    radio.deliver(dump(remote(1, key(1)), [remote(2, key(2)), remote(3, key(3)), remote(4, key(4))]));
    await expect(syncing).resolves.toMatchObject({ checked: 4, added: 2, updated: 0 });
    expect(manager.stats()).toMatchObject({ sync_count: 2, keys_added: 4, syncing: false, nodes_with_key: 4 });
  });

  it("a dump with only the radio's own node is a sync that learns nothing", async () => {
    const { radio, manager, directory } = setup();
    radio.deliver(handshake());
    const syncing = manager.sync();
    radio.deliver(dump(remote(1, key(99)), []));
    await expect(syncing).resolves.toMatchObject({ checked: 0, added: 0, updated: 0 });
    expect(manager.stats().sync_count).toBe(2);
    expect(directory.get(1)?.fingerprint).not.toBe(null);
    expect(directory.size).toBe(3);
  });

  it("NodeDB health: the radio's nodes (its own included), nodes only in the directory, nodes seen leaving; published after each sync", async () => {
    const { radio, manager, stats } = setup();
    expect(manager.stats()).toMatchObject({ radio_nodes: null, nodes_only_in_directory: 0, nodes_evicted: 0 });
    radio.deliver(handshake([remote(2, key(2)), remote(3, null), remote(4, key(4))]));
    await flush();
    expect(stats.at(-1)).toMatchObject({ radio_nodes: 4, nodes_only_in_directory: 0, nodes_evicted: 0 });
    // The radio gave up 3 and 4 for 5.
    let syncing = manager.sync();
    radio.deliver(dump(remote(1, key(1)), [remote(2, key(2)), remote(5, key(5))]));
    await syncing;
    expect(stats.at(-1)).toMatchObject({ sync_count: 2, radio_nodes: 3, nodes_total: 5, nodes_only_in_directory: 2, nodes_evicted: 2 });
    // 2.8 access control: only the own node. Nothing learned, nothing counted, nothing changed.
    syncing = manager.sync();
    radio.deliver(dump(remote(1, key(1)), []));
    await syncing;
    expect(stats.at(-1)).toMatchObject({ sync_count: 3, radio_nodes: 3, nodes_only_in_directory: 2, nodes_evicted: 2 });
    // 4 is back, 5 left.
    syncing = manager.sync();
    radio.deliver(dump(remote(1, key(1)), [remote(2, key(2)), remote(4, key(4))]));
    await syncing;
    expect(stats.at(-1)).toMatchObject({ radio_nodes: 3, nodes_only_in_directory: 2, nodes_evicted: 3 });
  });

  it("a failed sync raises sync_failed and shows in last_error until the next sync", async () => {
    const { radio, manager, events } = setup();
    radio.deliver(handshake());
    const syncing = manager.sync();
    radio.failRequest("connection lost during the NodeDB download: reset");
    await expect(syncing).rejects.toThrow(/connection lost/);
    expect(events).toContainEqual({ type: "sync_failed", data: { reason: "connection lost during the NodeDB download: reset" } });
    expect(manager.stats()).toMatchObject({ last_error: "connection lost during the NodeDB download: reset", syncing: false });
    const again = manager.sync();
    radio.deliver(dump(null, [remote(2, key(2))]));
    await again;
    expect(manager.stats().last_error).toBe(null);
  });

  it("a radio that goes away says why in last_error and forwards its state", () => {
    const { radio, manager } = setup();
    const states: RadioStatus[] = [];
    manager.on("radio", (s) => states.push(s));
    radio.deliver(handshake());
    radio.setStatus({ state: "disconnected", reason: "ECONNRESET" });
    expect(states).toEqual([{ state: "connected" }, { state: "disconnected", reason: "ECONNRESET" }]);
    expect(manager.stats().last_error).toBe("radio disconnected: ECONNRESET");
    expect(manager.radioStatus).toEqual({ state: "disconnected", reason: "ECONNRESET" });
  });

  it("a key from a live packet between syncs updates the figures; the key event comes from the directory", () => {
    const { radio, directory, stats, events } = setup();
    radio.deliver(handshake());
    const keyEvents: unknown[] = [];
    directory.on("event", (e) => keyEvents.push(e));
    stats.length = 0;
    radio.emit("keySeen", { num: 3, publicKey: key(3), via: "nodeinfo" });
    expect(stats.at(-1)).toMatchObject({ keys_added: 3, nodes_with_key: 3, sync_count: 1 });
    expect(keyEvents).toEqual([expect.objectContaining({ type: "key_added", data: expect.objectContaining({ id: "!00000003", source: "packet" }) as unknown })]);
    expect(events).toEqual([]);
  });

  it("a packet from a node never seen raises one key_missing and one on-demand sync per interval", async () => {
    const { radio, events, clock } = setup();
    radio.deliver(handshake());
    radio.emit("nodeSeen", { num: 0x77, replayed: false, encrypted: false });
    radio.emit("nodeSeen", { num: 0x77, replayed: false, encrypted: false });
    await clock.advance(0);
    expect(events.filter((e) => e.type === "key_missing")).toEqual([{ type: "key_missing", data: { id: "!00000077", reason: "unknown_sender" } }]);
    expect(radio.requests).toBe(1);
  });

  it("key commands take node numbers; unknown nodes are refused; the figures follow once announced", async () => {
    const { radio, manager, directory, stats } = setup();
    const keys = new KeyCommands(directory, manager);
    radio.deliver(handshake());
    expect(keys.node(2)).toMatchObject({ id: "!00000002", has_key: true });
    expect(() => keys.node(0x99)).toThrow(NodeNotFoundError);
    // accept_key and forget answer once their change is announced (durable first): promises.
    await expect(keys.acceptKey(0x99)).rejects.toThrow(/!00000099 is not in the key directory/);
    const published = stats.length;
    await keys.forget(2);
    expect(stats.slice(published).map((s) => s.nodes_total)).toEqual([2]); // one publication, after the change
    expect(manager.stats().nodes_total).toBe(2);
    await expect(keys.forget(2)).rejects.toThrow(NodeNotFoundError);
  });

  it("interval and enabled reschedule and republish the figures", async () => {
    const { radio, manager, stats } = setup();
    radio.deliver(handshake());
    stats.length = 0;
    await manager.setInterval(600);
    await manager.setEnabled(false);
    expect(stats.map((s) => [s.interval, s.enabled, s.next_sync === null])).toEqual([
      [600, true, false],
      [600, false, true],
    ]);
  });
});

// sync/stats is published while a sync's dump is merged, before the sync's run returns: the
// next_sync it shows must already be the next one the scheduler runs.
describe("next_sync in the figures of each sync", () => {
  const refresh = () => dump(remote(1, key(1)), [remote(2, key(2))]);
  const secs = (ms: number) => Math.floor(ms / 1000);

  /** The next sync really starts at `at` (ms): not a moment before, and at it. */
  async function runsAt(clock: ManualClock, radio: ScriptedRadio, at: number): Promise<void> {
    const before = radio.requests;
    await clock.advance(at - clock.now() - 1);
    expect(radio.requests).toBe(before);
    await clock.advance(1);
    expect(radio.requests).toBe(before + 1);
  }

  it("after a periodic, a forced and an on-demand sync: the time of the periodic sync that follows", async () => {
    const { radio, manager, stats, clock } = setup();
    radio.deliver(handshake());
    await flush();
    // Periodic: due one interval after the handshake.
    await runsAt(clock, radio, clock.now() + 300_000);
    await clock.advance(7_000); // the download takes a while
    const published = stats.length;
    radio.deliver(refresh());
    await flush();
    expect(stats.length - published).toBe(1); // one publication per sync, already right
    const afterPeriodic = stats.at(-1)!;
    expect(afterPeriodic.sync_count).toBe(2);
    expect(afterPeriodic.next_sync).toBe(secs(clock.now() + 300_000));
    // Forced, half way through the interval: the periodic one moves to an interval after it.
    await clock.advance(100_000);
    const forced = manager.sync();
    radio.deliver(refresh());
    await forced;
    expect(stats.at(-1)).toMatchObject({ sync_count: 3, next_sync: secs(clock.now() + 300_000) });
    // On demand (a node never seen): the same.
    await clock.advance(50_000);
    radio.emit("nodeSeen", { num: 0x77, replayed: false, encrypted: false });
    await flush();
    radio.deliver(refresh());
    await flush();
    const afterOnDemand = stats.at(-1)!;
    expect(afterOnDemand.sync_count).toBe(4);
    expect(afterOnDemand.next_sync).toBe(secs(clock.now() + 300_000));
    await runsAt(clock, radio, afterOnDemand.next_sync! * 1000);
  });

  it("after a failed sync: the retry's time, backing off; a success goes back to the interval", async () => {
    const { radio, stats, clock, events } = setup();
    radio.deliver(handshake());
    await runsAt(clock, radio, clock.now() + 300_000);
    radio.failRequest("connection lost during the NodeDB download: reset");
    await flush();
    expect(events.at(-1)?.type).toBe("sync_failed");
    const failed = stats.at(-1)!;
    expect(failed).toMatchObject({ last_error: "connection lost during the NodeDB download: reset", next_sync: secs(clock.now() + 15_000) });
    // The retry runs then, fails again: 30 s.
    await runsAt(clock, radio, failed.next_sync! * 1000);
    radio.failRequest("again");
    await flush();
    expect(stats.at(-1)?.next_sync).toBe(secs(clock.now() + 30_000));
    await runsAt(clock, radio, clock.now() + 30_000);
    radio.deliver(refresh());
    await flush();
    expect(stats.at(-1)).toMatchObject({ last_error: null, next_sync: secs(clock.now() + 300_000) });
    await runsAt(clock, radio, clock.now() + 300_000);
  });
});

describe("Sync now with the radio away", () => {
  it("keeps the sync failure as last_error through the reconnect loop's next disconnects, until the radio is back", async () => {
    const { radio, manager, stats } = setup();
    radio.deliver(handshake());
    radio.setStatus({ state: "disconnected", reason: "ECONNRESET" });
    expect(manager.stats().last_error).toBe("radio disconnected: ECONNRESET");
    await expect(manager.sync()).rejects.toThrow(/not connected/);
    expect(stats.at(-1)?.last_error).toBe("the radio is not connected");
    radio.setStatus({ state: "connecting" });
    radio.setStatus({ state: "disconnected", reason: "ECONNREFUSED" });
    expect(manager.stats().last_error).toBe("the radio is not connected");
    // Back, and away again: the new outage is the news.
    radio.deliver(handshake());
    radio.setStatus({ state: "disconnected", reason: "ETIMEDOUT" });
    expect(manager.stats().last_error).toBe("radio disconnected: ETIMEDOUT");
  });
});

describe("a fresh directory's first sync", () => {
  it("is one first_sync with its counts instead of a key_added per node; a key learned later is a key_added", async () => {
    const { radio, manager, directory, events } = setup();
    const changed: string[] = [];
    directory.on("nodeChanged", (view) => changed.push(view.id));
    directory.on("event", (e) => events.push(e)); // key events are the directory's
    radio.deliver(handshake([remote(2, key(2)), remote(3, null), remote(4, key(4))]));
    await flush();
    expect(events).toEqual([{ type: "first_sync", data: { checked: 4, added: 3 } }]);
    // Every node is announced as ever (nodes/<id>).
    expect(changed.sort()).toEqual(["!00000001", "!00000002", "!00000003", "!00000004"]);
    events.length = 0;
    const syncing = manager.sync();
    radio.deliver(dump(remote(1, key(1)), [remote(2, key(2)), remote(3, key(3)), remote(4, key(4)), remote(5, key(5))]));
    await syncing;
    await flush();
    expect(events.map((e) => e.type)).toEqual(["key_added", "key_added"]);
    expect(events.map((e) => (e.data as { id: string }).id).sort()).toEqual(["!00000003", "!00000005"]);
  });

  it("a directory that already holds nodes (an earlier run's store) gets key_added as ever, and no first_sync", async () => {
    const { radio, directory, events } = setup();
    directory.on("event", (e) => events.push(e));
    directory.ingest([{ num: 9, longName: "Kept", shortName: "K", key: key(9) }], "packet", "alert");
    expect(events.map((e) => e.type)).toEqual(["key_added"]);
    radio.deliver(handshake([remote(2, key(2))]));
    await flush();
    expect(events.map((e) => e.type)).toEqual(["key_added", "key_added", "key_added"]);
  });

  it("uplink claims that came before the radio's first dump do not make a new install's first sync news", async () => {
    const { radio, directory, events } = setup();
    directory.on("event", (e) => events.push(e));
    directory.ingest([{ num: 9, key: key(9) }], "uplink:!0badf00d", "alert", { keyAdded: false });
    radio.deliver(handshake([remote(2, key(2)), remote(9, key(9))]));
    await flush();
    expect(events).toEqual([{ type: "first_sync", data: { checked: 3, added: 2 } }]);
  });
});

// An own-node-only dump: an emptied NodeDB on 2.7, nothing learned on 2.8 (sync/nodedb-emptied.ts).
describe("a radio whose NodeDB is empty", () => {
  const firmware = (radio: ScriptedRadio, version: string | null) => (radio.info = { link: "test", myNodeNum: 1, firmware: version });
  const ownOnly = () => dump(remote(1, key(1)), []);
  /** A forced sync answered with `answer`, settled and its follow-ups run. */
  const syncWith = async (rig: { radio: ScriptedRadio; manager: KeySyncManager }, answer: NodeDbDump) => {
    const syncing = rig.manager.sync();
    rig.radio.deliver(answer);
    await syncing;
    await flush();
  };
  /** A handshake on firmware `version`, its own event cleared. */
  const connected = async (rig: { radio: ScriptedRadio; events: unknown[] }, version: string | null) => {
    firmware(rig.radio, version);
    rig.radio.deliver(handshake());
    await flush();
    rig.events.length = 0; // the handshake's first_sync
  };
  const fakeRefill = () => {
    const calls: string[] = [];
    return { calls, port: { begin: () => (calls.push("begin"), true), listed: () => void calls.push("listed"), stop: () => Promise.resolve() } };
  };

  it("2.7: every node leaves the radio, radio_nodes 1, one radio_nodedb_emptied per emptying, a refill begins", async () => {
    const refill = fakeRefill();
    const { radio, manager, directory, stats, events } = setup({ refill: refill.port });
    firmware(radio, "2.7.26.sim");
    radio.deliver(handshake([remote(2, key(2)), remote(3, null), remote(4, key(4))]));
    await flush();
    expect(events.splice(0).map((e) => e.type)).toEqual(["first_sync"]);
    let syncing = manager.sync();
    radio.deliver(ownOnly());
    await syncing;
    await flush();
    expect([2, 3, 4].map((n) => directory.get(n)?.inRadio)).toEqual([false, false, false]);
    expect(directory.get(1)?.inRadio).toBe(true);
    expect(stats.at(-1)).toMatchObject({ sync_count: 2, radio_nodes: 1, nodes_only_in_directory: 3, nodes_evicted: 0, nodes_total: 4 });
    expect(events).toEqual([{ type: "radio_nodedb_emptied", data: { radio_nodes: 1, known: 3, refill: true } }]);
    // Still empty at the next sync: no second event, no second refill.
    syncing = manager.sync();
    radio.deliver(ownOnly());
    await syncing;
    await flush();
    expect(events).toHaveLength(1);
    // The radio holds nodes again, then loses them again: news again.
    syncing = manager.sync();
    radio.deliver(dump(remote(1, key(1)), [remote(2, key(2))]));
    await syncing;
    await flush();
    expect(stats.at(-1)).toMatchObject({ radio_nodes: 2, nodes_only_in_directory: 2 });
    syncing = manager.sync();
    radio.deliver(ownOnly());
    await syncing;
    await flush();
    expect(events.map((e) => e.type)).toEqual(["radio_nodedb_emptied", "radio_nodedb_emptied"]);
    // Every listing dump is told to the refill (it ends once the nodes are back).
    expect(refill.calls).toEqual(["listed", "begin", "listed", "begin"]);
  });

  it("2.7 without a refill (push off): refill false", async () => {
    const rig = setup();
    await connected(rig, "2.7.26.abcdef");
    await syncWith(rig, ownOnly());
    expect(rig.events).toEqual([{ type: "radio_nodedb_emptied", data: { radio_nodes: 1, known: 2, refill: false } }]);
  });

  it("2.8 (access control) or an unknown version: nothing learned, nothing changed, no event", async () => {
    for (const version of ["2.8.0.sim", null]) {
      const refill = fakeRefill();
      const rig = setup({ refill: refill.port });
      const { directory, stats, events } = rig;
      await connected(rig, version);
      await syncWith(rig, ownOnly());
      expect([2, 3].map((n) => directory.get(n)?.inRadio), String(version)).toEqual([true, true]);
      expect(stats.at(-1)).toMatchObject({ sync_count: 2, radio_nodes: 3, nodes_only_in_directory: 0 });
      expect(events).toEqual([]);
      expect(refill.calls).toEqual(["listed"]); // the handshake's; no refill begins
    }
  });
});

