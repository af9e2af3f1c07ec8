// Row 10: the API server (api_server). A client's whole handshake at 250 and 2,000 nodes
// through the bridge's API server versus straight from a simulator with the same NodeDB; the
// latency of one live packet to each of 8 API clients versus one client straight on a
// simulator; the bridge's memory per connected client; the node_infos each connected client
// gets from a 2,000-node re-read that brings 20 changes (goal: those 20); a 40,000-node handshake
// (beyond the 4 MiB "stopped reading" limit, streamed as the client reads) to a client that reads
// normally. The simulators and the bridge run in their own processes; the clients run here.
// Alone: `node --expose-gc bench/api-server.mjs`; the 40,000-node handshake alone: `... large`.
import { fileURLToPath } from "node:url";
import { openApiClient } from "./lib/api-client.mjs";
import { json, watch } from "./lib/mqtt-watch.mjs";
import { BASE, startBridge, startSim } from "./lib/setup.mjs";
import { percentile, summary } from "./lib/stats.mjs";
import { nowMs, sleep, withTimeout } from "./lib/time.mjs";

export const API_PLAN = {
  handshakes: [{ nodes: 250, rounds: 30 }, { nodes: 2000, rounds: 12 }],
  latency: { nodes: 250, clients: 8, packets: 300 },
  memory: { nodes: 250, clients: 50 },
  reread: { nodes: 2000, clients: 4, added: 10, rotated: 10 },
  large: { nodes: 40_000, rounds: 3 },
};

/** The bridge (api_server on) on one simulator, and a second simulator with the same NodeDB for the straight figures. */
async function rig(name, nodes) {
  const [radio, straight] = await Promise.all([startSim(`${name}-radio`, nodes), startSim(`${name}-straight`, nodes)]);
  const bridge = await startBridge(name, radio.address, { apiServer: true, homeAssistant: false });
  // Measured once the bridge's own first sync (every node new, written to its store) is out.
  const mq = await watch(bridge.mqtt, [`${BASE}/sync/stats`]);
  await mq.current((m) => (json(m)?.sync_count ?? 0) >= 1, 120_000, "the bridge's first sync");
  await mq.close();
  const [host, port] = [bridge.api.slice(0, bridge.api.lastIndexOf(":")), Number(bridge.api.slice(bridge.api.lastIndexOf(":") + 1))];
  return {
    radio,
    straight,
    bridge,
    api: { host, port },
    async stop() {
      await bridge.stop();
      await Promise.all([radio.stop(), straight.stop()]);
    },
  };
}

async function handshakes({ nodes, rounds }) {
  const r = await rig(`api-handshake-${nodes}`, nodes);
  try {
    const [through, direct] = [await openApiClient(r.api), await openApiClient(r.straight.address)];
    // Warm-up: the API server answers once the bridge's own handshake is in; both sides' first is not counted.
    await through.handshake(1);
    await direct.handshake(1);
    const samples = { through: [], direct: [] };
    for (let i = 0; i < rounds; i++) {
      // Alternating, so both see the same moment of the machine.
      samples.through.push((await through.handshake(100 + i)).ms);
      samples.direct.push((await direct.handshake(100 + i)).ms);
    }
    const frames = (await through.handshake(99)).frames;
    await Promise.all([through.close(), direct.close()]);
    return { nodes, frames, through: summary(samples.through), direct: summary(samples.direct), ratio: Math.round((summary(samples.through).median / summary(samples.direct).median) * 100) / 100 };
  } finally {
    await r.stop();
  }
}

async function latency({ nodes, clients, packets }) {
  const r = await rig("api-latency", nodes);
  try {
    const through = [];
    for (let i = 0; i < clients; i++) through.push(await openApiClient(r.api));
    for (const [i, c] of through.entries()) await c.handshake(500 + i);
    const direct = await openApiClient(r.straight.address);
    await direct.handshake(500);
    const [num] = await r.radio.request("nodeNums", { count: 1 });
    const [straightNum] = await r.straight.request("nodeNums", { count: 1 });
    const lat = { through: [], direct: [] };
    const arrived = async (list, id) => {
      await withTimeout((async () => { while (!list.every((c) => c.arrivals.has(id))) await sleep(1); })(), 10_000, `packet ${id}`);
    };
    for (let i = 0; i < packets; i++) {
      const a = await r.radio.request("deliverEncrypted", { num });
      await arrived(through, a.id);
      for (const c of through) lat.through.push(c.arrivals.get(a.id) - a.sentAt);
      const b = await r.straight.request("deliverEncrypted", { num: straightNum });
      await arrived([direct], b.id);
      lat.direct.push(direct.arrivals.get(b.id) - b.sentAt);
    }
    await Promise.all([...through, direct].map((c) => c.close()));
    const med = (v) => percentile(v, 50);
    const p99 = (v) => percentile(v, 99);
    const round = (v) => Math.round(v * 1000) / 1000;
    return {
      nodes,
      clients,
      packets,
      through: { median: round(med(lat.through)), p99: round(p99(lat.through)), n: lat.through.length },
      direct: { median: round(med(lat.direct)), p99: round(p99(lat.direct)), n: lat.direct.length },
      added: { median: round(med(lat.through) - med(lat.direct)), p99: round(p99(lat.through) - p99(lat.direct)) },
    };
  } finally {
    await r.stop();
  }
}

async function memory({ nodes, clients }) {
  const r = await rig("api-memory", nodes);
  try {
    const warm = await openApiClient(r.api);
    await warm.handshake(1);
    const before = await r.bridge.request("memory");
    const open = [];
    for (let i = 0; i < clients; i++) {
      const c = await openApiClient(r.api);
      await c.handshake(700 + i);
      open.push(c);
    }
    const after = await r.bridge.request("memory");
    await Promise.all([warm, ...open].map((c) => c.close()));
    const per = (k) => Math.round((after[k] - before[k]) / clients);
    return { nodes, clients, perClient: { heapUsed: per("heapUsed"), external: per("external"), rss: per("rss") } };
  } finally {
    await r.stop();
  }
}

/**
 * Clients connected across a sync (the bridge's nodes-only re-read, asked over MQTT) that finds
 * `added` new nodes and `rotated` changed keys among `nodes`: the node_infos each client gets.
 */
export async function reread({ nodes, clients, added, rotated }) {
  const r = await rig("api-reread", nodes);
  try {
    const open = [];
    for (let i = 0; i < clients; i++) open.push(await openApiClient(r.api));
    for (const [i, c] of open.entries()) await c.handshake(900 + i);
    await r.radio.request("addNodesSilently", { count: added });
    await r.radio.request("rotateKeys", { count: rotated, offset: 7 });
    const mq = await watch(r.bridge.mqtt, [`${BASE}/bridge/response/sync`]);
    const started = nowMs();
    const response = mq.next((m) => json(m)?.transaction === "bench-reread", 60_000, "the sync's response");
    await mq.publish(`${BASE}/bridge/request/sync`, JSON.stringify({ transaction: "bench-reread" }));
    await response;
    await mq.close();
    // A live packet sent after the re-read arrives after everything the re-read caused.
    const [num] = await r.radio.request("nodeNums", { count: 1 });
    const marker = await r.radio.request("deliverEncrypted", { num });
    await withTimeout((async () => { while (!open.every((c) => c.arrivals.has(marker.id))) await sleep(1); })(), 10_000, "the marker packet");
    const ms = Math.round(nowMs() - started);
    const frames = open.map((c) => c.nodeInfos);
    await Promise.all(open.map((c) => c.close()));
    return { nodes, clients, changes: added + rotated, frames, ms };
  } finally {
    await r.stop();
  }
}

/**
 * A whole 40,000-node handshake through the API server to a client that reads as it comes
 * (the default 4 MiB limit; before streaming such a client was closed having read nothing),
 * after a warm-up, alternating with the same handshake straight from a simulator.
 */
export async function largeHandshake({ nodes, rounds }) {
  const r = await rig("api-large", nodes);
  try {
    const [through, direct] = [await openApiClient(r.api, 180_000), await openApiClient(r.straight.address, 180_000)];
    const warm = await through.handshake(1);
    await direct.handshake(1);
    const samples = { through: [], direct: [] };
    for (let i = 0; i < rounds; i++) {
      samples.through.push((await through.handshake(200 + i)).ms);
      samples.direct.push((await direct.handshake(200 + i)).ms);
    }
    await Promise.all([through.close(), direct.close()]);
    return { nodes, frames: warm.frames, through: summary(samples.through), direct: summary(samples.direct) };
  } finally {
    await r.stop();
  }
}

export async function measureApiServer(plan = API_PLAN) {
  const hs = [];
  for (const p of plan.handshakes) hs.push(await handshakes(p));
  return { handshakes: hs, latency: await latency(plan.latency), memory: await memory(plan.memory), reread: await reread(plan.reread), large: await largeHandshake(plan.large) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = process.argv[2] === "large" ? { large: await largeHandshake(API_PLAN.large) } : await measureApiServer();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
