// Row 15: the mesh's MQTT uplink as a key source (issue 26). In-process, durable directory
// (the key store on a file, fsynced before anything is announced):
// (a) envelopes decoded and merged per second on one core: 20,000 default-key LongFast
//     NodeInfos of distinct nodes handed to UplinkSource as socket reads hand them over (100
//     per turn of the event loop), timed until the directory has announced the last change
//     (the store's fsync included); CPU = process.cpuUsage over the same span;
// (b) memory per uplink node at 20,000 nodes: heap after full collections, before and after
//     (directory records, key index, the store's state, the uplink's replay memory);
// (c) publish to nodes/<id>: the whole bridge (startApp, simulated radio, embedded broker,
//     store on a file) with its uplink on a second embedded broker; one NodeInfo of a new node
//     published there, timed to a subscriber on the bridge's broker receiving its nodes/<id>
//     with the key; sequential trials.
// Alone: `npm run build && node --expose-gc bench/uplink.mjs`.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { stringify } from "yaml";
import { startApp } from "../dist/app.js";
import { loadConfig } from "../dist/config/load.js";
import { KeyDirectory } from "../dist/directory/keys.js";
import { KeyStore } from "../dist/directory/store.js";
import { createLogger } from "../dist/log.js";
import { EmbeddedBroker } from "../dist/mqtt/broker.js";
import { encodeData, encodeServiceEnvelope } from "../dist/protocol/envelope.js";
import { encodeUser, PortNum } from "../dist/protocol/messages.js";
import { SimRadio } from "../dist/sim/index.js";
import { systemClock } from "../dist/timing/clock.js";
import { ChannelKeys } from "../dist/uplink/channels.js";
import { channelCrypt, channelHash, expandPsk } from "../dist/uplink/crypto.js";
import { UplinkSource } from "../dist/uplink/source.js";
import { tempDir } from "./lib/setup.mjs";
import { median, p95 } from "./lib/stats.mjs";
import { BENCH_COLUMNS, renderTable } from "./lib/table.mjs";
import { nowMs, withTimeout } from "./lib/time.mjs";

export const UPLINK_PLAN = { nodes: 20_000, perTurn: 100, trials: 50, ceilingMs: 120_000 };

const KEY = expandPsk(Buffer.from("AQ==", "base64"));
const HASH = channelHash("LongFast", KEY);

function envelope(from, id, gateway = "!0badf00d") {
  const user = encodeUser({ id: `!${from.toString(16).padStart(8, "0")}`, longName: `Far ${from}`, shortName: "FAR", publicKey: randomBytes(32) });
  const data = encodeData(PortNum.NODEINFO_APP, user);
  const payload = encodeServiceEnvelope({
    packet: { from, to: 0xffffffff, id, channel: HASH, hopLimit: 3, payloadVariant: { case: "encrypted", value: channelCrypt(KEY, id, from, data) } },
    channelId: "LongFast",
    gatewayId: gateway,
  });
  return { topic: `msh/EU_868/2/e/LongFast/${gateway}`, payload: Buffer.from(payload) };
}

class Quiet extends EventEmitter {
  start() {}
  async stop() {}
  health() {
    return { connected: true, reconnects: 0, last_disconnect_reason: null, last_error: null, denied_subscribe: [] };
  }
}

const gc = () => {
  global.gc?.();
  global.gc?.();
};
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** (a) and (b): throughput and memory, directory and store in this process. */
async function measureIngest({ nodes, perTurn }) {
  const dir = tempDir("uplink");
  const store = new KeyStore({ path: path.join(dir, "keys.json"), clock: systemClock });
  const directory = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: new Set() });
  await store.load();
  directory.useJournal(store);
  store.start(directory);
  const source = new UplinkSource({ client: new Quiet(), sink: (o, s, p) => directory.ingest(o, s, p), channels: new ChannelKeys({}), maxPerMinute: 1_000_000, keyChange: "alert", trust: "claim", server: "bench", clock: systemClock });
  source.start();
  const envelopes = Array.from({ length: nodes }, (_, i) => envelope(0x20000000 + i, 1 + i));
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpu0 = process.cpuUsage();
  const t0 = nowMs();
  for (let i = 0; i < nodes; i += perTurn) {
    for (const m of envelopes.slice(i, i + perTurn)) source.receive(m.topic, m.payload);
    await turn();
  }
  await directory.lastChangeAnnounced();
  const ms = nowMs() - t0;
  const used = process.cpuUsage(cpu0);
  gc();
  const heapAfter = process.memoryUsage().heapUsed;
  const figures = source.figures();
  await source.stop();
  await store.stop();
  return { nodes, ms, perSecond: (nodes / ms) * 1000, cpuPerSecond: (nodes / ((used.user + used.system) / 1000)) * 1000, bytesPerNode: (heapAfter - heapBefore) / nodes, keys: figures.keys, size: directory.size };
}

/** (c): publish on the uplink broker to nodes/<id> on the bridge's, the whole bridge in-process. */
async function measureLatency({ trials, ceilingMs }) {
  const mesh = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await mesh.start();
  const sim = new SimRadio({ port: 0, nodes: 250 });
  const address = await sim.start();
  const dir = tempDir("uplink-app");
  const file = path.join(dir, "config.yaml");
  writeFileSync(file, stringify({ radio: { host: address.host, port: address.port }, embedded_broker: { port: 0 }, store: { path: path.join(dir, "keys.json") }, log_level: "warn", uplink: { enabled: true, server: mesh.url } }));
  const loaded = loadConfig({ path: file, env: {}, cwd: dir });
  const logger = createLogger("warn", { format: "json", destination: { write() {} } });
  const app = await startApp(loaded.config, { logger, demo: false, configPath: file, sources: loaded.sources });
  const base = loaded.config.mqtt.base_topic;
  const watcher = await mqtt.connectAsync(app.addresses.mqtt, { reconnectPeriod: 0, protocolVersion: 4 });
  const gateway = await mqtt.connectAsync(mesh.url, { reconnectPeriod: 0, protocolVersion: 4 });
  const waiting = new Map();
  watcher.on("message", (topic, payload) => {
    const w = waiting.get(topic);
    if (w && payload.length > 0 && JSON.parse(payload.toString()).has_key) {
      waiting.delete(topic);
      w(nowMs());
    }
  });
  try {
    await watcher.subscribeAsync([`${base}/nodes/+`, `${base}/bridge/health`], { qos: 0 });
    // The uplink is connected once bridge/health says so.
    await withTimeout(new Promise((resolve) => {
      const on = (topic, payload) => {
        if (topic === `${base}/bridge/health` && JSON.parse(payload.toString()).uplink?.connected) {
          watcher.off("message", on);
          resolve();
        }
      };
      watcher.on("message", on);
    }), ceilingMs, "uplink connected");
    const times = [];
    for (let i = 0; i < trials + 3; i++) {
      const from = 0x30000000 + i;
      const m = envelope(from, 1000 + i);
      const arrived = new Promise((resolve) => waiting.set(`${base}/nodes/!${from.toString(16)}`, resolve));
      const t0 = nowMs();
      await gateway.publishAsync(m.topic, m.payload, { qos: 0 });
      const t1 = await withTimeout(arrived, 10_000, `nodes/<id> of trial ${i}`);
      if (i >= 3) times.push(t1 - t0); // the first three warm the path up
    }
    return { trials, median: median(times), p95: p95(times) };
  } finally {
    await gateway.endAsync(true);
    await watcher.endAsync(true);
    await app.stop();
    await sim.stop();
    await mesh.stop();
  }
}

export async function measureUplink(plan) {
  const ingest = await measureIngest(plan);
  const latency = await measureLatency(plan);
  return { ingest, latency };
}

export function uplinkRows({ ingest, latency }) {
  const n = ingest.nodes.toLocaleString("en-US");
  return [
    { row: "15", what: `uplink: envelopes decoded and merged per second, ${n} NodeInfos, durable store (wall / per CPU second)`, result: `${Math.round(ingest.perSecond).toLocaleString("en-US")}/s / ${Math.round(ingest.cpuPerSecond).toLocaleString("en-US")}/s (${ingest.ms.toFixed(0)} ms)`, goal: ">= 5,000/s", met: ingest.perSecond >= 5000 ? "yes" : "NO" },
    { row: "15", what: `uplink: publish on the uplink broker to nodes/<id> on the bridge's (n=${latency.trials})`, result: `${latency.median.toFixed(1)} ms / ${latency.p95.toFixed(1)} ms`, goal: "median < 100 ms", met: latency.median < 100 ? "yes" : "NO" },
    { row: "15", what: `uplink: heap per uplink node at ${n} nodes (directory, store, replay memory)`, result: `${Math.round(ingest.bytesPerNode).toLocaleString("en-US")} B`, goal: "< 1 KB/node", met: ingest.bytesPerNode < 1024 ? "yes" : "NO" },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await measureUplink(UPLINK_PLAN);
  process.stdout.write(`${renderTable(BENCH_COLUMNS, uplinkRows(result))}\n\n${JSON.stringify(result)}\n`);
  process.exit(0);
}
