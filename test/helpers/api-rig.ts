// The API server over real parts: a simulated radio in single-client mode, the bridge's radio
// link (keeping its handshake), the key directory and sync manager, the pusher, and the
// server on a loopback port. Clients are raw sockets (TestClient) or the project's own radio
// link. Everything is stopped when the test finishes.
import { onTestFinished } from "vitest";
import { ApiServer, type ApiServerOptions } from "../../src/api-server/server.js";
import { loadLowEntropyHashes } from "../../src/directory/health.js";
import { KeyDirectory } from "../../src/directory/keys.js";
import type { BridgeEvent } from "../../src/sync/events.js";
import { MeshtasticRadio, type MeshtasticRadioOptions } from "../../src/radio/meshtastic.js";
import type { NodeDbDump } from "../../src/radio/link.js";
import { SimRadio, type SimRadioOptions } from "../../src/sim/index.js";
import { KeySyncManager } from "../../src/sync/manager.js";
import { KeyPusher } from "../../src/sync/push.js";
import { TestClient } from "../sim/client.js";
import { ManualClock } from "./clock.js";
import { nextEvent } from "./events.js";
import { SYNC_DEFAULTS } from "./keysync.js";
import { RecordingLog } from "./log.js";

export interface ApiRig {
  sim: SimRadio;
  radio: MeshtasticRadio;
  directory: KeyDirectory;
  manager: KeySyncManager;
  server: ApiServer;
  log: RecordingLog;
  events: BridgeEvent[];
  /** A raw client, connected (no handshake yet). */
  raw(): Promise<TestClient>;
  /** The project's own radio link as a client, resolved once its handshake completed. */
  link(): Promise<{ client: MeshtasticRadio; dump: NodeDbDump }>;
}

export interface ApiRigOptions {
  sim?: SimRadioOptions;
  push?: boolean;
  server?: Partial<Pick<ApiServerOptions, "admin" | "directoryNodes" | "maxClients" | "session">>;
  /** Runs before the bridge's radio link connects (e.g. to change the simulated NodeDB). */
  before?: (sim: SimRadio) => void;
  heartbeatIntervalMs?: number;
  /** share.trust: the gateways whose keys may leave the bridge. Default ["*"]. */
  trust?: string[];
  /** false: resolve without waiting for the bridge's first handshake (a hung radio). */
  waitForRadio?: boolean;
  /** More options of the bridge's radio link (e.g. its pacer's limits, scaled down with the simulator's). */
  radio?: Partial<MeshtasticRadioOptions>;
}

export async function startApiRig(options: ApiRigOptions = {}): Promise<ApiRig> {
  const sim = new SimRadio({ port: 0, nodes: 20, ...options.sim });
  const { port } = await sim.start();
  options.before?.(sim);
  const clock = new ManualClock(Date.now());
  const directory = new KeyDirectory({ now: () => Math.floor(clock.now() / 1000), weakHashes: loadLowEntropyHashes() });
  const heartbeat = options.heartbeatIntervalMs ? { heartbeatIntervalMs: options.heartbeatIntervalMs, heartbeatTimeoutMs: Math.floor(options.heartbeatIntervalMs / 2) } : {};
  const radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 20, backoffMaxMs: 200, cacheHandshake: true, ...heartbeat, ...options.radio });
  const manager = new KeySyncManager({ radio, directory, clock, ...SYNC_DEFAULTS });
  const trust = options.trust ?? ["*"];
  const pusher = new KeyPusher({ enabled: options.push ?? false, radio, directory, clock, maxPerHour: 20, trust, timeoutSec: 10, reread: () => manager.syncFresh() });
  const log = new RecordingLog();
  const server = new ApiServer({
    host: "127.0.0.1",
    port: 0,
    maxClients: 8,
    admin: false,
    directoryNodes: false,
    radio,
    keys: { shareable: (num) => directory.shareable(num, trust), get: (num) => directory.get(num), records: () => directory.announcedRecords().map(([r]) => r) },
    changes: directory,
    filler: pusher.forClients(),
    timeoutMs: 10_000,
    log,
    ...options.server,
  });
  const events: BridgeEvent[] = [];
  manager.on("event", (e) => events.push(e));
  const clients: { stop(): Promise<unknown> }[] = [];
  onTestFinished(async () => {
    for (const c of clients.splice(0)) await c.stop();
    await server.stop();
    await manager.stop();
    pusher.stop();
    await radio.stop();
    await sim.stop();
  });
  pusher.start();
  manager.start();
  await server.start();
  const first = nextEvent(manager, "stats", (s: { sync_count: number }) => s.sync_count === 1);
  radio.start();
  if (options.waitForRadio !== false) await first;
  else first.catch(() => undefined);
  return {
    sim,
    radio,
    directory,
    manager,
    server,
    log,
    events,
    async raw() {
      const client = await TestClient.connect(server.port);
      clients.push({ stop: () => client.close() });
      return client;
    },
    async link() {
      const client = new MeshtasticRadio({ host: "127.0.0.1", port: server.port, backoffMinMs: 20, cacheHandshake: true });
      clients.push(client);
      const dump = nextEvent<NodeDbDump>(client, "dump");
      client.start();
      return { client, dump: await dump };
    },
  };
}
