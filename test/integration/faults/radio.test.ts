// Radio-side faults: a dump cut off mid-way, a radio that is down at start, reboots, hangs
// with its socket open, or whose single TCP slot another client takes. Each over loopback,
// awaiting events; time-based settings are small, ceilings generous.
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../../src/directory/keys.js";
import { MeshtasticRadio, type MeshtasticRadioOptions } from "../../../src/radio/meshtastic.js";
import type { RadioStatus, SlotTaken } from "../../../src/radio/link.js";
import { SimRadio, type SimRadioOptions } from "../../../src/sim/index.js";
import { systemClock } from "../../../src/timing/clock.js";
import type { BridgeEvent } from "../../../src/sync/events.js";
import { KeySyncManager } from "../../../src/sync/manager.js";
import type { SyncStats } from "../../../src/sync/stats.js";
import { nextEvent } from "../../helpers/events.js";
import { freePort } from "../../helpers/mosquitto.js";
import { ScriptedRadio, completeFrame, hex, keyOf, myInfoFrame, nodeInfoFrame } from "./scripted-radio.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Rig {
  radio: MeshtasticRadio;
  manager: KeySyncManager;
  directory: KeyDirectory;
  events: BridgeEvent[];
  statuses: RadioStatus[];
}

function rig(port: number, radioOptions: Partial<MeshtasticRadioOptions> = {}): Rig {
  const radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 20, backoffMaxMs: 200, ...radioOptions });
  const directory = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: new Set() });
  const manager = new KeySyncManager({
    radio,
    directory,
    clock: systemClock,
    interval: 3600,
    enabled: true,
    initialDelay: 0,
    onDemand: false,
    onDemandMaxPerMinute: 6,
    keyChange: "alert",
  });
  const events: BridgeEvent[] = [];
  const statuses: RadioStatus[] = [];
  manager.on("event", (e) => events.push(e));
  directory.on("event", (e) => events.push(e));
  radio.on("status", (s) => statuses.push(s));
  cleanups.push(async () => {
    await manager.stop();
    await radio.stop();
  });
  manager.start();
  return { radio, manager, directory, events, statuses };
}

async function startSim(options: SimRadioOptions = {}): Promise<SimRadio> {
  const sim = new SimRadio({ port: 0, nodes: 20, ...options });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

const syncCount = (n: number) => (s: SyncStats) => s.sync_count === n;
const keysOf = (d: KeyDirectory): Map<number, string | null> => new Map(d.snapshot().map((r) => [r.num, hex(r.key)]));

describe("radio faults", () => {
  it("a dump cut off mid-way changes nothing and is not counted as a sync", async () => {
    const own = 0x1000;
    const first = [{ num: 0x2001, key: keyOf(1) }, { num: 0x2002, key: null }];
    // The refresh would rotate 0x2001's key, give 0x2002 one and add 0x2003: cut off after those.
    const second = [{ num: 0x2001, key: keyOf(11) }, { num: 0x2002, key: keyOf(12) }, { num: 0x2003, key: keyOf(13) }];
    const scripted = new ScriptedRadio(({ nonce, count, socket }) => {
      if (count === 2) {
        socket.write(Buffer.concat([nodeInfoFrame({ num: own, key: keyOf(0) }), ...second.map(nodeInfoFrame)]));
        socket.end(); // the radio goes away before config_complete_id
        return;
      }
      socket.write(Buffer.concat([myInfoFrame(own), nodeInfoFrame({ num: own, key: keyOf(0) }), ...first.map(nodeInfoFrame), completeFrame(nonce)]));
    });
    const port = await scripted.start();
    cleanups.push(() => scripted.stop());
    const r = rig(port);
    const synced = nextEvent(r.manager, "stats", syncCount(1));
    r.radio.start();
    await synced;
    const before = keysOf(r.directory);
    const statsBefore = r.manager.stats();

    await expect(r.manager.sync()).rejects.toThrow(/connection lost during the NodeDB download/);
    expect(keysOf(r.directory)).toEqual(before);
    expect(r.directory.get(0x2003)).toBeUndefined();
    const stats = r.manager.stats();
    expect(stats.sync_count).toBe(1);
    expect(stats.keys_added).toBe(statsBefore.keys_added);
    expect(stats.keys_updated).toBe(0);
    expect(stats.last_error).toMatch(/connection lost|radio disconnected: closed by the radio/);
    // The handshake was a fresh directory's first sync (own + 0x2001 learned): one summary; the cut-off dump added nothing.
    expect(r.events.filter((e) => e.type === "key_added" || e.type === "key_changed" || e.type === "first_sync")).toEqual([{ type: "first_sync", data: { checked: 3, added: 2 } }]);
    expect(r.events.some((e) => e.type === "sync_failed")).toBe(true);

    // It reconnects, and the new handshake (the first dump again) is sync 2.
    await nextEvent(r.manager, "stats", syncCount(2));
    expect(keysOf(r.directory)).toEqual(before);
    expect(r.manager.stats().last_error).toBeNull();
  });

  it("a radio that is down at start: retries with capped backoff, stats and status say why, then it connects", async () => {
    const port = await freePort();
    const r = rig(port, { backoffMinMs: 10, backoffMaxMs: 80 });
    const attempts: number[] = [];
    r.radio.on("status", (s) => {
      if (s.state === "connecting") attempts.push(performance.now());
    });
    const erred = nextEvent(r.manager, "stats", (s: SyncStats) => s.last_error !== null);
    r.radio.start();
    const stats = await erred;
    expect(stats.last_error).toMatch(/radio disconnected: .*ECONNREFUSED/);
    expect(stats.sync_count).toBe(0);
    const down = r.radio.status;
    expect(down.state).toBe("disconnected");
    expect(down.state === "disconnected" && down.reason).toMatch(/ECONNREFUSED/);
    await expect(r.manager.sync()).rejects.toThrow(/not connected/);

    // Ten attempts: with 10 ms doubling uncapped, the tenth would come after ~10 s.
    await nextEvent(r.radio, "status", () => attempts.length >= 10);
    const gaps = attempts.slice(1).map((t, i) => t - (attempts[i] as number));
    expect(Math.max(...gaps.slice(-4))).toBeLessThan(80 + 1_000);

    const sim = await startSim({ port });
    const synced = nextEvent(r.manager, "stats", syncCount(1));
    await synced;
    expect(r.directory.size).toBe(sim.nodes.size + 1);
    expect(r.manager.stats().last_error).toBeNull();
    expect(r.events.filter((e) => e.type === "radio_slot_taken")).toEqual([]);
  });

  it("a reboot (dropped socket, new handshake) keeps the directory; syncs resume; no slot alarm", async () => {
    const sim = await startSim();
    const r = rig(sim.address.port);
    const first = nextEvent(r.manager, "stats", syncCount(1));
    r.radio.start();
    await first;
    const before = keysOf(r.directory);
    const again = nextEvent(r.manager, "stats", syncCount(2));
    expect(sim.dropClient()).toBe(1);
    await again;
    expect(keysOf(r.directory)).toEqual(before);
    await r.manager.sync();
    expect(r.manager.stats().sync_count).toBe(3);
    expect(sim.stats.connections).toBe(2);
    expect(r.events.filter((e) => e.type === "radio_slot_taken")).toEqual([]);
  });

  it("a radio that hangs with its socket open is noticed by the heartbeat; after resume the link and syncs come back", async () => {
    const sim = await startSim();
    const r = rig(sim.address.port, { heartbeatIntervalMs: 150, heartbeatTimeoutMs: 100, dumpTimeoutMs: 2_000 });
    const first = nextEvent(r.manager, "stats", syncCount(1));
    r.radio.start();
    await first;
    const lost = nextEvent<RadioStatus>(r.radio, "status", (s) => s.state === "disconnected");
    sim.hang();
    const status = await lost;
    expect(status.state === "disconnected" && status.reason).toMatch(/no answer to heartbeat/);
    expect(r.manager.stats().last_error).toMatch(/radio disconnected: no answer to heartbeat/);
    // A reconnect while hung gets nowhere; after resume the next one completes its handshake.
    await nextEvent(r.radio, "status", (s: RadioStatus) => s.state === "connecting");
    const back = nextEvent(r.manager, "stats", syncCount(2));
    sim.resume();
    await back;
    await r.manager.sync();
    expect(r.manager.stats().sync_count).toBe(3);
    expect(r.events.filter((e) => e.type === "radio_slot_taken")).toEqual([]);
  });

  it("another client that keeps taking the single TCP slot: we stop fighting for it, say so, and come back later", async () => {
    const sim = await startSim({ nodes: 5 });
    const r = rig(sim.address.port, { slotCloseThreshold: 3, slotWindowMs: 60_000, slotBackoffMs: 1_500 });
    // The "phone app": connects whenever we have just finished our handshake, taking the slot.
    const phones: Socket[] = [];
    let phoneActive = true;
    const phoneConnect = (): void => {
      const socket = connect(sim.address.port, "127.0.0.1");
      socket.on("error", () => undefined);
      phones.push(socket);
    };
    r.radio.on("status", (s) => {
      if (s.state === "connected" && phoneActive) phoneConnect();
    });
    cleanups.push(() => phones.forEach((s) => s.destroy()));
    const taken = nextEvent<SlotTaken>(r.radio, "slotTaken");
    r.radio.start();
    const slot = await taken;
    expect(slot).toEqual({ forceCloses: 3, retryInMs: 1_500, reason: "another client holds the radio's TCP connection; retrying in 2 s" });
    expect(r.radio.status).toEqual({ state: "disconnected", reason: slot.reason });
    expect(r.events).toContainEqual({ type: "radio_slot_taken", data: { reason: slot.reason, force_closes: 3, retry_in_s: 2 } });
    // While we wait, the phone keeps the slot: no further force-close of anyone.
    const closesAtYield = sim.stats.forceCloses;
    const connectionsAtYield = sim.stats.connections;
    phoneActive = false;
    const retried = await nextEvent<RadioStatus>(r.radio, "status", (s) => s.state === "connecting", 10_000);
    expect(retried.state).toBe("connecting");
    expect(sim.stats.forceCloses).toBe(closesAtYield);
    expect(sim.stats.connections).toBe(connectionsAtYield);
    // The phone has left in the meantime (its socket is ours to close): we get the slot back.
    phones.forEach((s) => s.destroy());
    await nextEvent<RadioStatus>(r.radio, "status", (s) => s.state === "connected");
    expect(r.events.filter((e) => e.type === "radio_slot_taken")).toHaveLength(1);
  });
});
