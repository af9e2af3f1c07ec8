// Composition root: builds every part from the config, starts them in order (store, broker,
// MQTT, radio, sync) and stops them in reverse. No part waits for another that is away: the
// MQTT client and the radio link connect in the background and keep retrying.
import { mkdir } from "node:fs/promises";
import { ApiServer } from "./api-server/server.js";
import { dirname, resolve } from "node:path";
import { DEFAULT_STORE_PATH, type Config } from "./config/schema.js";
import { ConfigError, redactConfig, type ConfigSources } from "./config/load.js";
import { checkTlsFiles } from "./config/tls.js";
import { loadLowEntropyHashes } from "./directory/health.js";
import { KeyDirectory } from "./directory/keys.js";
import { KeyStore, StoreForeignError, StorePathError, StoreVersionError, type SettingsDocument } from "./directory/store.js";
import { Started } from "./lifecycle.js";
import type { Logger } from "./log.js";
import { EmbeddedBroker } from "./mqtt/broker.js";
import { bridgeTopics } from "./mqtt/topics.js";
import { nodeId } from "./node-id.js";
import { MeshtasticRadio } from "./radio/meshtastic.js";
import { serialLink } from "./radio/serial-link.js";
import { SimRadio } from "./sim/index.js";
import { systemClock } from "./timing/clock.js";
import { RuntimeSettings } from "./sync/runtime-settings.js";
import { MqttBridge } from "./bridge/mqtt-bridge.js";
import { NodeList } from "./bridge/node-list.js";
import { RetainedNodes } from "./bridge/retained-nodes.js";
import { KeySharing } from "./bridge/share.js";
import { buildUplink } from "./uplink/build.js";
import { packageVersion } from "./version.js";
import { apiServer, buildEngine, homeAssistant, metricsPart, mqttClient, uplinkReports, type Address } from "./app-parts.js";

export interface AppHandle {
  stop(): Promise<void>;
  /** Settles when the app has stopped. */
  done: Promise<void>;
  /** Where the parts ended up (ports may have been 0). */
  readonly addresses: { mqtt: string; radio: string; api: string | null; metrics: string | null };
}

export interface AppOptions {
  logger: Logger;
  demo: boolean;
  configPath: string | null;
  /** Where each option's value came from (LoadedConfig.sources): bridge/info.settings, and which saved setting still applies. */
  sources: ConfigSources;
}

/** The simulated radio of demo mode, of `radio.host: simulator` and of a source defaulting to it. */
const SIMULATOR = "simulator";


export async function startApp(config: Config, opts: AppOptions): Promise<AppHandle> {
  const started = new Started(opts.logger);
  try {
    const addresses = await assemble(config, opts.logger, started, opts.sources);
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (resolveDone = resolve));
    let stopping: Promise<void> | null = null;
    return {
      addresses,
      done,
      // Settles `done` either way; the caller of stop() sees the failure.
      stop: () => (stopping ??= started.stopAll().finally(resolveDone)),
    };
  } catch (err) {
    await started.stopAll();
    throw err;
  }
}

async function assemble(config: Config, log: Logger, started: Started, sources: ConfigSources): Promise<AppHandle["addresses"]> {
  const { directory, store, settingsDoc } = await openDirectory(config, log, started);
  // interval and enabled: the configured ones, or those set over MQTT and kept with the directory.
  const configured = {
    interval: { value: config.sync.interval, source: sources["sync.interval"] ?? "default" },
    enabled: { value: config.sync.enabled, source: sources["sync.enabled"] ?? "default" },
  };
  const settings = await started.add(new RuntimeSettings({ configured, loaded: settingsDoc, store, log: log.child({ part: "sync" }) }));
  const mqttUrl = config.mqtt.server ?? (await startBroker(config, log, started));
  if (config.mqtt.server !== undefined) checkTlsFiles(config.mqtt.tls);
  // Before anything connects: a missing certificate is a config error, not a broker that waits.
  if (config.uplink.enabled) checkTlsFiles(config.uplink.tls, "uplink.tls");
  const client = await started.add(mqttClient(config, mqttUrl, log));
  // The mesh's MQTT uplink: claims go to the directory as `uplink:<gateway>`; how far they
  // are trusted (uplink.trust) is the directory's rule, handed over here with the sink.
  // A claim raises no key_added: a regional broker brings thousands of nodes, each its own
  // nodes/<id> and counted in uplink_keys; an event apiece would flood every automation.
  const uplinkSink = (obs: Parameters<typeof directory.ingest>[0], source: `uplink:${string}`, policy: Config["sync"]["key_change"]) => directory.ingest(obs, source, policy, { keyAdded: false });
  const uplink = config.uplink.enabled ? buildUplink(config, uplinkSink, log.child({ part: "uplink" })) : null;
  // The radio: the simulated one, or a real one over TCP or USB serial (exclusive, config-checked).
  const serial = config.radio.serial;
  const tcp = serial !== undefined ? null : config.radio.host === SIMULATOR ? await startSimulator(log, started) : { host: config.radio.host, port: config.radio.port };
  const link = tcp ?? (await serialLink(serial as string, config.radio.baud));
  // The API server serves the radio's handshake again: only then is it kept whole.
  const radio = new MeshtasticRadio({ ...link, cacheHandshake: config.api_server.enabled, log: log.child({ part: "radio" }) });
  const radioLabel = tcp ? `${tcp.host}:${tcp.port}` : (serial as string);
  let api: ApiServer | null = null;
  const engine = buildEngine(config, radio, directory, log, (host, port) => (host === SIMULATOR && tcp ? tcp : { host, port }), settings, () => api?.clients.length ?? 0, uplink);

  const redacted = redactConfig(config);
  const radioNodeId = (): string | null => (radio.info ? nodeId(radio.info.myNodeNum) : null);
  const info = (): object => ({
    version: packageVersion(),
    simulated: config.radio.host === SIMULATOR,
    // One of the two ways to the radio; the other's fields are null (CONTRACT.md).
    radio: {
      host: tcp?.host ?? null,
      port: tcp?.port ?? null,
      serial: serial ?? null,
      baud: serial === undefined ? null : config.radio.baud,
      my_node_num: radio.info?.myNodeNum ?? null,
      my_node_id: radioNodeId(),
      firmware: radio.info?.firmware ?? null,
    },
    config: redacted,
    settings: settings.effective,
    api_server: api ? { address: api.address, clients: api.clients } : null,
  });
  const ha = config.homeassistant.enabled ? homeAssistant(config, client, directory, radioNodeId, log.child({ part: "homeassistant" })) : null;
  const bridge = new MqttBridge({ client, topics: bridgeTopics(config.mqtt.base_topic), engine, directory, homeAssistant: ha, info, log: log.child({ part: "bridge" }) });
  const sharing = config.share.enabled
    ? new KeySharing({ client, directory, topic: config.share.topic, gateway: config.mqtt.base_topic, trust: config.share.trust, keyChange: config.sync.key_change, log: log.child({ part: "share" }) })
    : null;
  // last_error names the disk problem while it lasts, and clears when a write works again.
  let storeError: string | null = null;
  store.on("writeFailed", (err) => engine.manager.reportError((storeError = `could not write the key directory to ${config.store.path ?? "memory"}: ${err.message}`)));
  store.on("recovered", () => storeError !== null && engine.manager.clearError(storeError));
  // Retained nodes/<id> that differ from the directory (foreign, stale, forged) are corrected.
  const retainedNodes = new RetainedNodes({ client, topics: bridgeTopics(config.mqtt.base_topic), directory, held: () => bridge.nodesHeld, log: log.child({ part: "bridge" }) });
  const nodeList = new NodeList({ client, topics: bridgeTopics(config.mqtt.base_topic), directory, log: log.child({ part: "bridge" }) });
  client.on("denied", ({ kind, topic, reason }) => engine.manager.reportError(`the MQTT broker refused ${kind === "publish" ? "publishing to" : "the subscription to"} ${topic}: ${reason}`));
  api = config.api_server.enabled ? apiServer(config, radio, directory, engine, log) : null;
  api?.on("clients", () => {
    bridge.infoChanged();
    engine.manager.statsChanged();
  });
  const uplinkFigures = uplink ? uplinkReports(uplink, client, engine, log) : null;
  const metrics = config.metrics.enabled ? metricsPart(config, { radio, engine, directory, store, client }, log) : null;
  for (const part of [bridge, nodeList, retainedNodes, sharing, engine.pusher, engine.manager, api, uplinkFigures, uplink, metrics, radio]) if (part) await started.add(part);
  // The redacted URL: mqtt.server may hold a password (mqtt://user:secret@host).
  log.info({ radio: radioLabel, mqtt: redacted.mqtt.server ?? mqttUrl, base: config.mqtt.base_topic }, "bridge started");
  return { mqtt: mqttUrl, radio: radioLabel, api: api?.address ?? null, metrics: metrics?.address ?? null };
}

/** The key directory, filled from its file; the store keeps writing it until stopped. */
async function openDirectory(config: Config, log: Logger, started: Started): Promise<{ directory: KeyDirectory; store: KeyStore; settingsDoc: SettingsDocument }> {
  const directory = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: loadLowEntropyHashes(), uplinkTrust: config.uplink.trust });
  const path = config.store.path;
  const store = new KeyStore({ path, clock: systemClock });
  let settingsDoc: SettingsDocument = {};
  try {
    // The shipped default lives in ./data: made on first start. A path the user chose must exist.
    if (path === DEFAULT_STORE_PATH) await mkdir(dirname(resolve(path)), { recursive: true });
    const loaded = await store.load();
    if (loaded.warning) log.warn({ movedTo: loaded.movedTo, keptAside: loaded.keptAside, skipped: loaded.skipped }, loaded.warning);
    directory.load(loaded.records);
    settingsDoc = loaded.settings;
    log.info({ nodes: directory.size, path: path ?? "memory" }, "key directory loaded");
  } catch (err) {
    // StorePathError includes StoreLockedError: another instance owns the store.
    if (err instanceof StoreVersionError || err instanceof StorePathError || err instanceof StoreForeignError) throw new ConfigError([{ field: "store.path", message: err.message }]);
    throw err;
  }
  store.on("writeFailed", (err) => log.error({ err: err.message }, "could not write the key directory; will retry"));
  store.on("recovered", () => log.info({ path }, "the key directory is written again"));
  // Durable before announced: nothing about a change leaves the directory before the store has it on disk.
  if (path !== null) directory.useJournal(store);
  directory.on("listenerError", (err) => log.error({ err }, `publishing a directory change failed: ${err.message}`));
  await started.add({ start: () => store.start(directory), stop: () => store.stop() });
  return { directory, store, settingsDoc };
}

async function startBroker(config: Config, log: Logger, started: Started): Promise<string> {
  const broker = await started.add(new EmbeddedBroker(config.embedded_broker));
  log.info({ url: broker.url }, `embedded MQTT broker listening on ${broker.host}:${broker.port}`);
  return broker.url;
}

async function startSimulator(log: Logger, started: Started): Promise<Address> {
  const sim = new SimRadio({ host: "127.0.0.1", port: 0 });
  let address: Address = { host: "127.0.0.1", port: 0 };
  await started.add({
    start: async () => {
      address = await sim.start();
      sim.startDemo({ everyMs: 20_000, onError: (err) => log.warn({ err: String(err) }, "demo step failed") });
    },
    stop: () => sim.stop(),
  });
  log.info({ nodes: sim.nodes.size }, `simulated radio listening on ${address.host}:${address.port}`);
  return address;
}
