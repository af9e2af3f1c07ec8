// The builders of the composition root's parts (app.ts): each turns the config into one
// part over the parts it needs. app.ts decides the order they start in; nothing here starts
// anything.
import { ApiServer } from "./api-server/server.js";
import type { Config } from "./config/schema.js";
import { clientTls } from "./config/tls.js";
import type { KeyDirectory } from "./directory/keys.js";
import type { KeyStore } from "./directory/store.js";
import type { Logger } from "./log.js";
import { HomeAssistantDiscovery } from "./bridge/home-assistant.js";
import { Metrics } from "./metrics/metrics.js";
import { BridgeMqttClient } from "./mqtt/client.js";
import { parseNodeId } from "./node-id.js";
import type { MeshtasticRadio } from "./radio/meshtastic.js";
import { fetchNodeDbOnce } from "./radio/oneshot.js";
import type { Engine } from "./sync/engine.js";
import { KeyCommands } from "./sync/key-commands.js";
import { KeySyncManager } from "./sync/manager.js";
import { KeyPusher } from "./sync/push.js";
import { NodeDbRefill } from "./sync/refill.js";
import type { RuntimeSettings } from "./sync/runtime-settings.js";
import { DmSender } from "./sync/send.js";
import { systemClock } from "./timing/clock.js";
import { Coalescer } from "./timing/coalesce.js";
import type { UplinkSource } from "./uplink/source.js";
import { packageVersion } from "./version.js";

export interface Address {
  host: string;
  port: number;
}

export function mqttClient(config: Config, url: string, log: Logger): BridgeMqttClient {
  const { mqtt } = config;
  return new BridgeMqttClient({
    url,
    baseTopic: mqtt.base_topic,
    clientId: mqtt.client_id,
    username: mqtt.username,
    password: mqtt.password,
    tls: clientTls(mqtt.tls),
    log: log.child({ part: "mqtt" }),
  });
}

/** The uplink's figures in sync/stats and bridge/health.uplink: at most once a second, the last always. */
export function uplinkReports(uplink: UplinkSource, client: BridgeMqttClient, engine: Engine, log: Logger): Coalescer {
  const report = new Coalescer({
    clock: systemClock,
    gapMs: 1_000,
    run: () => {
      client.setHealthSection("uplink", uplink.health());
      engine.manager.statsChanged();
    },
    onError: (err) => log.error({ err: String(err) }, "publishing the uplink's figures failed"),
  });
  uplink.on("changed", () => report.poke());
  // bridge/health.uplink from the start, before the first envelope.
  report.poke();
  return report;
}

export function buildEngine(config: Config, radio: MeshtasticRadio, directory: KeyDirectory, log: Logger, resolve: (host: string, port: number) => Address, settings: RuntimeSettings, apiClients: () => number, uplink: UplinkSource | null = null): Engine {
  const { sync, send, push } = config;
  const source = sync.strategy === "connection" && sync.source.host && sync.source.port ? resolve(sync.source.host, sync.source.port) : null;
  const pusher = new KeyPusher({
    enabled: push.enabled,
    radio,
    directory,
    clock: systemClock,
    maxPerHour: push.max_per_hour,
    trust: config.share.trust,
    timeoutSec: send.timeout,
    // Called only once the engine runs, when the manager below exists.
    reread: (): Promise<unknown> => manager.syncFresh(),
    log: log.child({ part: "push" }),
  });
  // The watched nodes (homeassistant.watch) are the ones put back first after an emptied NodeDB.
  const watch = new Set(config.homeassistant.watch.map(parseNodeId).filter((num): num is number => num !== null));
  const refill = new NodeDbRefill({ pusher, directory, radio, watch, log: log.child({ part: "push" }) });
  const manager = new KeySyncManager({
    radio,
    directory,
    clock: systemClock,
    interval: settings.effective.interval.value,
    enabled: settings.effective.enabled.value,
    settings,
    initialDelay: sync.initial_delay,
    onDemand: sync.on_demand,
    onDemandMaxPerMinute: sync.on_demand_max_per_minute,
    keyChange: sync.key_change,
    ...(source ? { source: (signal: AbortSignal) => fetchNodeDbOnce(source, signal) } : {}),
    apiClients,
    ...(uplink ? { uplink: () => uplink.stats() } : {}),
    refill,
    log: log.child({ part: "sync" }),
  });
  const sender = new DmSender({ radio, directory, clock: systemClock, enabled: send.enabled, maxPerMinute: send.max_per_minute, timeoutSec: send.timeout, pusher });
  return { manager, keys: new KeyCommands(directory, manager), sender, pusher };
}

/** Prometheus metrics and /healthz over the read models the MQTT side publishes. */
export function metricsPart(config: Config, parts: { radio: MeshtasticRadio; engine: Engine; directory: KeyDirectory; store: KeyStore; client: BridgeMqttClient }, log: Logger): Metrics {
  const { radio, engine, directory, store, client } = parts;
  return new Metrics({
    host: config.metrics.host,
    port: config.metrics.port,
    models: {
      stats: () => engine.manager.stats(),
      radio: () => radio.status,
      mqttConnected: () => client.connected,
      health: () => client.health,
      pushes: () => engine.pusher.figures(),
      version: packageVersion(),
    },
    sources: { radio, manager: engine.manager, store },
    directory,
    log: log.child({ part: "metrics" }),
  });
}

/** The API server over the radio link and the directory's shareable keys (the one rule, with share.trust). */
export function apiServer(config: Config, radio: MeshtasticRadio, directory: KeyDirectory, engine: Engine, log: Logger): ApiServer {
  const { api_server: api, share, send } = config;
  return new ApiServer({
    host: api.host,
    port: api.port,
    maxClients: api.max_clients,
    admin: api.admin,
    directoryNodes: api.directory_nodes,
    radio,
    keys: { shareable: (num) => directory.shareable(num, share.trust), get: (num) => directory.get(num), records: () => directory.announcedRecords().map(([record]) => record) },
    changes: directory,
    // The API clients' fills draw on their own allowance, never on the user's pushes.
    filler: engine.pusher.forClients(),
    timeoutMs: send.timeout * 1000,
    log: log.child({ part: "api" }),
  });
}

export function homeAssistant(config: Config, client: BridgeMqttClient, directory: KeyDirectory, ownNode: () => string | null, log: Logger): HomeAssistantDiscovery {
  const ha = config.homeassistant;
  return new HomeAssistantDiscovery(client, directory, {
    base: config.mqtt.base_topic,
    prefix: ha.discovery_prefix,
    statusTopic: ha.status_topic,
    version: packageVersion(),
    nodeEntities: ha.node_entities,
    watch: ha.watch,
    push: config.push.enabled,
    uplink: config.uplink.enabled,
    ownNode,
    log,
  });
}
