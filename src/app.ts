// Composition root: builds every part from the config, starts them in order (store, broker,
// MQTT, radio, sync) and stops them in reverse. No part waits for another that is away: the
// MQTT client and the radio link connect in the background and keep retrying.
import type { Config } from "./config/schema.js";
import { ConfigError, redactConfig } from "./config/load.js";
import { checkTlsFiles } from "./config/tls.js";
import { KeyDirectory } from "./directory/keys.js";
import { KeyStore, StoreVersionError } from "./directory/store.js";
import type { Logger } from "./log.js";
import { EmbeddedBroker } from "./mqtt/broker.js";
import { BridgeMqttClient } from "./mqtt/client.js";
import { bridgeTopics } from "./mqtt/topics.js";
import { nodeId, parseNodeId } from "./node-id.js";
import { MeshtasticRadio } from "./radio/meshtastic.js";
import { fetchNodeDbOnce } from "./radio/oneshot.js";
import { SimRadio } from "./sim/index.js";
import { systemClock } from "./timing/clock.js";
import { loadLowEntropyHashes } from "./sync/health.js";
import { KeySyncManager, NodeNotFoundError } from "./sync/manager.js";
import { DmSender, SendError } from "./sync/send.js";
import { KeyPusher, PushRefused } from "./sync/push.js";
import { HomeAssistantDiscovery } from "./bridge/home-assistant.js";
import { MqttBridge } from "./bridge/mqtt-bridge.js";
import { KeySharing } from "./bridge/share.js";
import { RetainedNodes } from "./bridge/retained-nodes.js";
import { packageVersion } from "./version.js";

export interface AppHandle {
  stop(): Promise<void>;
  /** Settles when the app has stopped. */
  done: Promise<void>;
  /** Where the parts ended up (ports may have been 0). */
  readonly addresses: { mqtt: string; radio: string };
}

export interface AppOptions {
  logger: Logger;
  demo: boolean;
  configPath: string | null;
}

/** The simulated radio of demo mode and of `radio.host: simulator`. */
const SIMULATOR = "simulator";

export async function startApp(config: Config, opts: AppOptions): Promise<AppHandle> {
  const log = opts.logger;
  const stops: (() => Promise<void> | void)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (err) {
        log.error({ err }, "error while stopping");
      }
    }
  };
  try {
    return await assemble(config, opts, stops, stopAll);
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function assemble(config: Config, opts: AppOptions, stops: (() => Promise<void> | void)[], stopAll: () => Promise<void>): Promise<AppHandle> {
  const log = opts.logger;
  const version = packageVersion();

  // 1. The key directory and its file.
  const directory = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: loadLowEntropyHashes() });
  const store = new KeyStore({ path: config.store.path });
  try {
    const loaded = await store.load();
    if (loaded.warning) log.warn({ movedTo: loaded.movedTo }, loaded.warning);
    directory.load(loaded.records);
    log.info({ nodes: directory.size, path: config.store.path ?? "memory" }, "key directory loaded");
  } catch (err) {
    if (err instanceof StoreVersionError) throw new ConfigError([{ field: "store.path", message: err.message }]);
    throw err;
  }
  store.on("writeFailed", (err) => log.error({ err: err.message }, "could not write the key directory; will retry"));
  store.attach(directory);
  stops.push(() => store.stop());

  // 2. The broker: the embedded one unless mqtt.server names one.
  let mqttUrl = config.mqtt.server;
  if (mqttUrl === undefined) {
    const broker = new EmbeddedBroker(config.embedded_broker);
    await broker.start();
    stops.push(() => broker.stop());
    mqttUrl = broker.url;
    log.info({ url: mqttUrl }, `embedded MQTT broker listening on ${broker.host}:${broker.port}`);
  }

  // 3. The MQTT client: connects in the background; publishes are held until it is up.
  const topics = bridgeTopics(config.mqtt.base_topic);
  let bridge: MqttBridge | null = null;
  let sharing: KeySharing | null = null;
  const tls = config.mqtt.tls;
  const client = new BridgeMqttClient({
    url: mqttUrl,
    baseTopic: config.mqtt.base_topic,
    clientId: config.mqtt.client_id,
    username: config.mqtt.username,
    password: config.mqtt.password,
    // Always passed: `reject_unauthorized: false` alone must reach an mqtts:// connection.
    tls: { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.reject_unauthorized },
    log: log.child({ part: "mqtt" }),
  });
  client.on("connect", () => {
    bridge?.republish();
    sharing?.publishAll();
  });
  if (config.mqtt.server !== undefined) checkTlsFiles(tls);
  client.start();
  stops.push(() => client.stop());

  // 4. The radio: the simulated one, or a real one over TCP.
  let radioHost = config.radio.host;
  let radioPort = config.radio.port;
  const simulated = radioHost === SIMULATOR;
  if (simulated) {
    const sim = new SimRadio({ host: "127.0.0.1", port: 0 });
    const address = await sim.start();
    sim.startDemo({ everyMs: 20_000, onError: (err) => log.warn({ err: String(err) }, "demo step failed") });
    stops.push(() => sim.stop());
    [radioHost, radioPort] = [address.host, address.port];
    log.info({ nodes: sim.nodes.size }, `simulated radio listening on ${address.host}:${address.port}`);
  }
  const radio = new MeshtasticRadio({ host: radioHost, port: radioPort, log: log.child({ part: "radio" }) });

  // 5. The sync engine and what talks to it.
  const source = config.sync.strategy === "connection" && config.sync.source.host && config.sync.source.port
    ? connectionSource(simulated ? radioHost : config.sync.source.host, simulated ? radioPort : config.sync.source.port)
    : undefined;
  const manager = new KeySyncManager({
    radio,
    directory,
    clock: systemClock,
    interval: config.sync.interval,
    enabled: config.sync.enabled,
    initialDelay: config.sync.initial_delay,
    onDemand: config.sync.on_demand,
    onDemandMaxPerMinute: config.sync.on_demand_max_per_minute,
    keyChange: config.sync.key_change,
    source,
    log: log.child({ part: "sync" }),
  });
  const pusher = config.push.enabled
    ? new KeyPusher({ radio, directory, clock: systemClock, maxPerHour: config.push.max_per_hour, trust: config.share.trust, timeoutSec: config.send.timeout })
    : null;
  const sender = new DmSender({ radio, directory, clock: systemClock, enabled: config.send.enabled, maxPerMinute: config.send.max_per_minute, timeoutSec: config.send.timeout, pusher });
  const radioNodeId = (): string | null => (radio.info ? nodeId(radio.info.myNodeNum) : null);
  const ha = config.homeassistant.enabled
    ? new HomeAssistantDiscovery(client, directory, {
        base: config.mqtt.base_topic,
        prefix: config.homeassistant.discovery_prefix,
        statusTopic: config.homeassistant.status_topic,
        version,
        nodeEntities: config.homeassistant.node_entities,
        watch: config.homeassistant.watch,
      }, radioNodeId)
    : null;
  const redacted = redactConfig(config);
  bridge = new MqttBridge({
    client,
    topics,
    manager,
    directory,
    radio,
    homeAssistant: ha,
    log: log.child({ part: "bridge" }),
    isExpectedError: (err) => err instanceof NodeNotFoundError || err instanceof SendError || err instanceof PushRefused,
    info: () => ({
      version,
      simulated,
      radio: {
        host: radioHost,
        port: radioPort,
        my_node_num: radio.info?.myNodeNum ?? null,
        my_node_id: radioNodeId(),
        firmware: radio.info?.firmware ?? null,
      },
      config: redacted,
    }),
    handlers: {
      sync: () => manager.sync(),
      setInterval: (seconds) => manager.setInterval(seconds),
      setEnabled: (on) => manager.setEnabled(on),
      stats: () => manager.stats(),
      node: (id) => manager.node(id),
      acceptKey: (id) => manager.acceptKey(id),
      forget: (id) => manager.forget(id),
      send: (to, text) => sender.send(to, text),
      push: (id) => {
        const num = parseNodeId(id);
        if (!pusher) return Promise.reject(new PushRefused("push is off (push.enabled)"));
        if (num === null) return Promise.reject(new PushRefused(`"${id}" is not a node id like "!a76f40da"`));
        return pusher.push(num);
      },
    },
  });
  const started = bridge;
  started.start();
  stops.push(() => started.stop());
  const retainedNodes = new RetainedNodes({ client, topics, directory, log: log.child({ part: "bridge" }) });
  retainedNodes.start();
  stops.push(() => retainedNodes.stop());
  if (config.share.enabled) {
    const shared = new KeySharing({
      client,
      directory,
      topic: config.share.topic,
      gateway: config.mqtt.base_topic,
      trust: config.share.trust,
      ingest: (gateway, nodes) => manager.ingestGateway(gateway, nodes),
      log: log.child({ part: "share" }),
    });
    sharing = shared;
    shared.start();
    stops.push(() => shared.stop());
  }
  store.on("writeFailed", (err) => manager.reportError(`could not write the key directory to ${config.store.path ?? "memory"}: ${err.message}`));
  client.on("denied", ({ kind, topic, reason }) => manager.reportError(`the MQTT broker refused ${kind === "publish" ? "publishing to" : "the subscription to"} ${topic}: ${reason}`));
  if (pusher) {
    pusher.start();
    stops.push(() => pusher.stop());
  }
  manager.start();
  stops.push(() => manager.stop());
  radio.start();
  stops.push(() => radio.stop());
  // The redacted URL: mqtt.server may hold a password (mqtt://user:secret@host).
  log.info({ radio: `${radioHost}:${radioPort}`, mqtt: redacted.mqtt.server ?? mqttUrl, base: config.mqtt.base_topic }, "bridge started");

  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopping: Promise<void> | null = null;
  return {
    addresses: { mqtt: mqttUrl, radio: `${radioHost}:${radioPort}` },
    done,
    stop: () => {
      stopping ??= stopAll().then(resolveDone);
      return stopping;
    },
  };
}

function connectionSource(host: string, port: number) {
  return (signal: AbortSignal) => fetchNodeDbOnce({ host, port }, signal);
}
