// The key-sync engine over real parts: a simulated radio, the radio link, the key directory
// and the manager, with an injected clock. Everything is stopped when the test finishes.
import { onTestFinished } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { sha256Hex } from "../../src/directory/record.js";
import { MeshtasticRadio, type MeshtasticRadioOptions } from "../../src/radio/meshtastic.js";
import { SimRadio, type SimRadioOptions } from "../../src/sim/index.js";
import type { BridgeEvent } from "../../src/sync/events.js";
import { loadLowEntropyHashes } from "../../src/directory/health.js";
import { KeyCommands } from "../../src/sync/key-commands.js";
import { KeySyncManager, type KeySyncOptions, type NodeDbSource } from "../../src/sync/manager.js";
import { ManualClock } from "./clock.js";
import { nextEvent } from "./events.js";

export interface KeySyncRig {
  sim: SimRadio;
  radio: MeshtasticRadio;
  directory: KeyDirectory;
  manager: KeySyncManager;
  /** The key commands (node, accept_key, reject_key, forget) over the same directory and manager. */
  keys: KeyCommands;
  clock: ManualClock;
  events: BridgeEvent[];
  syncs: () => number;
}

export interface KeySyncRigOptions {
  sim?: SimRadioOptions;
  radio?: Partial<MeshtasticRadioOptions>;
  manager?: Partial<KeySyncOptions>;
  /** The NodeDB source, given the simulator's port (strategy connection). */
  source?: (port: number) => NodeDbSource;
  /** Keys the health check treats as low-entropy, besides the firmware's list. */
  weakKeys?: Uint8Array[];
}

/** The config defaults of the sync options, as the tests' managers run them. */
export const SYNC_DEFAULTS = { interval: 300, enabled: true, initialDelay: 0, onDemand: true, onDemandMaxPerMinute: 6, keyChange: "alert" } as const;

/** Starts everything and resolves once the handshake's dump was counted as sync 1. */
export async function startKeySync(options: KeySyncRigOptions = {}): Promise<KeySyncRig> {
  const sim = new SimRadio({ port: 0, ...options.sim });
  const { port } = await sim.start();
  const clock = new ManualClock(Date.now());
  const weak = new Set([...loadLowEntropyHashes(), ...(options.weakKeys ?? []).map(sha256Hex)]);
  const directory = new KeyDirectory({ now: () => Math.floor(clock.now() / 1000), weakHashes: weak });
  const radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 20, ...options.radio });
  const manager = new KeySyncManager({
    radio,
    directory,
    clock,
    ...SYNC_DEFAULTS,
    ...(options.source ? { source: options.source(port) } : {}),
    ...options.manager,
  });
  const events: BridgeEvent[] = [];
  // The engine's events and the directory's key events, as the bridge publishes both.
  manager.on("event", (e) => events.push(e));
  directory.on("event", (e) => events.push(e));
  onTestFinished(async () => {
    await manager.stop();
    await radio.stop();
    await sim.stop();
  });
  manager.start();
  const first = nextEvent(manager, "stats", (s: { sync_count: number }) => s.sync_count === 1);
  radio.start();
  await first;
  return { sim, radio, directory, manager, keys: new KeyCommands(directory, manager), clock, events, syncs: () => manager.stats().sync_count };
}
