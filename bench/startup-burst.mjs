// Row 14: the startup publish burst at 50,000 nodes with `homeassistant.node_entities: all`:
// every nodes/<id> and every node's discovery configs offered at once, as a start does (a
// retained state per node plus its entities). In-process: the embedded broker, the bridge's
// MQTT client and a subscriber counting what arrives. Reports the messages delivered, the
// time until the last one, the most QoS 1 publishes unanswered at once (the client's window:
// packet ids must never wrap) and the process's peak memory (broker, client and subscriber
// together) over what it held before. Alone: `npm run build && node --expose-gc bench/startup-burst.mjs [nodes]`.
import { fileURLToPath } from "node:url";
import mqtt from "mqtt";
import { EmbeddedBroker } from "../dist/mqtt/broker.js";
import { BridgeMqttClient } from "../dist/mqtt/client.js";
import { buildNodeDiscovery } from "../dist/mqtt/node-discovery.js";
import { WINDOW_LIMIT } from "../dist/mqtt/publish-window.js";
import { nowMs, withTimeout } from "./lib/time.mjs";

export const BURST_PLAN = { nodes: 50_000, ceilingMs: 300_000 };
const BASE = "bench-burst";
const PREFIX = "homeassistant";

const hex = (i) => `!${(0x10000000 + i).toString(16)}`;
const view = (i) => ({ id: hex(i), num: 0x10000000 + i, long_name: `Node ${i}`, short_name: `N${i % 1000}`, has_key: true, key_source: "nodedb", status: "ok", in_radio: true, last_heard: 1_800_000_000 + i });

export async function measureBurst({ nodes, ceilingMs }) {
  const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
  await broker.start();
  const warnings = [];
  const log = { debug() {}, info() {}, warn: (obj, msg) => warnings.push(msg), error: (obj, msg) => warnings.push(msg) };
  const client = new BridgeMqttClient({ url: broker.url, baseTopic: BASE, log });
  const observer = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0, protocolVersion: 4 });
  try {
    let received = 0;
    let done = () => undefined;
    const all = new Promise((resolve) => (done = resolve));
    const discovery = buildNodeDiscovery({ base: BASE, prefix: PREFIX, version: "bench", push: true }, { id: hex(0), pushable: true }).length;
    const expected = nodes * (1 + discovery);
    observer.on("message", (topic) => {
      if (topic.startsWith(`${BASE}/nodes/`) || topic.startsWith(`${PREFIX}/`)) received += 1;
      if (received === expected) done();
    });
    await observer.subscribeAsync([`${BASE}/nodes/+`, `${PREFIX}/#`], { qos: 0 });
    client.start();
    await client.whenConnected();
    globalThis.gc?.();
    const before = process.memoryUsage();
    let peak = { rss: before.rss, heapUsed: before.heapUsed };
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peak = { rss: Math.max(peak.rss, m.rss), heapUsed: Math.max(peak.heapUsed, m.heapUsed) };
    }, 20);
    const started = nowMs();
    for (let i = 0; i < nodes; i++) {
      client.publishRetained(`${BASE}/nodes/${hex(i)}`, view(i));
      for (const m of buildNodeDiscovery({ base: BASE, prefix: PREFIX, version: "bench", push: true }, { id: hex(i), long_name: `Node ${i}`, pushable: true })) client.publishRetained(m.topic, m.payload);
    }
    const offeredMs = nowMs() - started;
    await withTimeout(all, ceilingMs, `all ${expected} messages`);
    const ms = nowMs() - started;
    clearInterval(sampler);
    const windowPeak = client.window?.figures.peak ?? null; // private in TypeScript; read for the report only
    return { nodes, messages: expected, received, ms, offeredMs, windowPeak, windowLimit: WINDOW_LIMIT, warnings: warnings.length, firstWarning: warnings[0] ?? null, peakRssDelta: peak.rss - before.rss, peakHeapDelta: peak.heapUsed - before.heapUsed, peakRss: peak.rss };
  } finally {
    await observer.endAsync(true);
    await client.stop();
    await broker.stop();
  }
}

const mb = (n) => `${(n / 1048576).toFixed(0)} MB`;

export function burstRows(r) {
  return [
    {
      row: "14",
      what: `startup publish burst, ${r.nodes.toLocaleString("en-US")} nodes, node_entities all: messages delivered, time, most QoS 1 unanswered, peak memory (broker + client + subscriber)`,
      result: `${r.received.toLocaleString("en-US")} of ${r.messages.toLocaleString("en-US")} in ${(r.ms / 1000).toFixed(1)} s; window ${r.windowPeak} of ${r.windowLimit}; peak RSS ${mb(r.peakRss)} (+${mb(r.peakRssDelta)}), heap +${mb(r.peakHeapDelta)}; ${r.warnings} MQTT warnings`,
      goal: "all delivered, window <= limit, no warnings",
      met: r.received === r.messages && r.windowPeak !== null && r.windowPeak <= r.windowLimit && r.warnings === 0 ? "yes" : "NO",
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const nodes = Number(process.argv[2] ?? BURST_PLAN.nodes);
  const result = await measureBurst({ ...BURST_PLAN, nodes });
  console.log(JSON.stringify(result));
  for (const r of burstRows(result)) console.log(`| ${r.row} | ${r.what} | ${r.result} | ${r.goal} | ${r.met} |`);
}
