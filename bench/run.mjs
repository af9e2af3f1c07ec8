// `npm run bench`: runs every row against the simulated radio on 127.0.0.1, prints one table
// on stdout and writes everything to bench/results/latest.json. Progress goes to stderr.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { EmbeddedBroker } from "../dist/mqtt/broker.js";
import { API_PLAN, measureApiServer } from "./api-server.mjs";
import { measureHandshake, HANDSHAKE_PLAN } from "./handshake.mjs";
import { startLayers, LAYERS_PLAN } from "./layers.mjs";
import { machine } from "./lib/machine.mjs";
import { RESULTS } from "./lib/setup.mjs";
import { BENCH_COLUMNS, bytes, count, ms, renderTable } from "./lib/table.mjs";
import { nowMs } from "./lib/time.mjs";
import { LINK_PLAN, measureLink } from "./link.mjs";
import { measureMemory, MEMORY_SIZES } from "./memory.mjs";
import { measureNodeList, NODE_LIST_PLAN, nodeListRows } from "./node-list.mjs";
import { measurePacer, PACER_PLAN, pacerRows } from "./pacer.mjs";
import { DEDUPE_PLAN, dedupeRows, measureDedupe } from "./dedupe.mjs";
import { BURST_PLAN, burstRows, measureBurst } from "./startup-burst.mjs";
import { measureUplink, UPLINK_PLAN, uplinkRows } from "./uplink.mjs";
import { measureMetricsScrape, METRICS_PLAN, metricsScrapeRows } from "./metrics-scrape.mjs";
import { measureSerial, SERIAL_PLAN } from "./serial.mjs";
import { measureStartup, STARTUP_PLAN } from "./startup.mjs";
import { measureSync, SYNC_PLAN } from "./sync.mjs";
import { measureStore, STORE_PLAN } from "./store.mjs";
import { measureTimeToKey, TTK_DEFAULT_PLAN, TTK_PLAN } from "./time-to-key.mjs";
import { measureTraffic, TRAFFIC_PLAN } from "./traffic.mjs";

// The whole bench, build excluded: 276 s for rows 0-11 (row 11's re-read with changes takes
// about 6 s; well inside 5 minutes), plus 100 s for row 12, whose 40 texts take 78 s by the
// firmware's own limit (one per 2 s) plus its setup, plus ~40 s for row 14 (50,000 nodes; 60 s allowed for it here),
// plus ~10 s for row 15 (the uplink; 20 s allowed) and ~210 s for row 16 (metrics: a
// 10,000-node first sync, then three 60 s stretches).
const BUDGET_MS = 680_000;
const began = nowMs();
const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over its ${BUDGET_MS / 1000} s budget; giving up\n`);
  process.exit(1);
}, BUDGET_MS);
watchdog.unref();

async function step(name, fn) {
  const t = nowMs();
  process.stderr.write(`bench: ${name} ...\n`);
  const result = await fn();
  process.stderr.write(`bench: ${name} done in ${((nowMs() - t) / 1000).toFixed(1)} s\n`);
  return result;
}

const yes = (ok) => (ok ? "yes" : "NO");
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

try {
  mkdirSync(RESULTS, { recursive: true });
  const before = machine();
  const layers = await step("6 MeshDevice vs direct write", () => startLayers(LAYERS_PLAN));
  const link = await step("0 radio link alone", () => measureLink(LINK_PLAN));
  const sync = [];
  for (const plan of SYNC_PLAN) sync.push(await step(`1 full sync at ${plan.nodes} nodes`, () => measureSync(plan)));
  const ttk = await step("2 time-to-key", () => measureTimeToKey(TTK_PLAN));
  const ttkDefault = await step("2 time-to-key, default limits", () => measureTimeToKey(TTK_DEFAULT_PLAN));
  const store = await step("8 store cost per changed key", () => measureStore(STORE_PLAN));
  const startup = await step("3 startup", () => measureStartup(STARTUP_PLAN));
  const traffic = await step("4 steady-state traffic", () => measureTraffic(TRAFFIC_PLAN));
  const memory = await step("5 memory", () => measureMemory(MEMORY_SIZES));
  const alone = await step("5 memory, broker elsewhere", async () => {
    const broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
    await broker.start();
    try {
      return await measureMemory(MEMORY_SIZES, { mqttServer: broker.url });
    } finally {
      await broker.stop();
    }
  });
  const handshake = await step("7 first sync, Home Assistant on/off", () => measureHandshake(HANDSHAKE_PLAN));
  const exit = await step("6 MeshDevice process exit", () => layers.exit);
  const serial = await step("9 nodes-only sync over serial (and TCP)", () => measureSerial(SERIAL_PLAN));
  const nodeList = await step("10 bridge/nodes and bridge/alerts per change", () => measureNodeList(NODE_LIST_PLAN));
  const api = await step("11 API server: handshakes, live packets, memory per client", () => measureApiServer(API_PLAN));
  const pacer = await step("12 one pacer: 40 DMs at once under the firmware's 2 s text limit (~85 s)", () => measurePacer(PACER_PLAN));
  const dedupe = await step("13 key-signal de-duplicator", async () => measureDedupe(DEDUPE_PLAN));
  const burst = await step("14 startup publish burst at 50,000 nodes", () => measureBurst(BURST_PLAN));
  const uplink = await step("15 the mesh's MQTT uplink: envelopes per second, publish to nodes/<id>, memory per node", () => measureUplink(UPLINK_PLAN));
  const metricsScrape = await step("16 GET /metrics once a second at 10,000 nodes (~210 s)", () => measureMetricsScrape(METRICS_PLAN));
  const after = machine();

  const rows = [];
  rows.push({ row: "0", what: `radio link: full handshake, ${count(link.handshake.nodes)} nodes (n=${link.handshake.n})`, result: `${ms(link.handshake.median)} / ${ms(link.handshake.p95)}`, goal: "", met: "" });
  for (const r of link.refresh) rows.push({ row: "0", what: `radio link: nodes-only refresh, ${count(r.nodes)} nodes (n=${r.reps})`, result: `${ms(r.median)} / ${ms(r.p95)}`, goal: "", met: "" });
  for (const s of sync) {
    const last = s.nodes === SYNC_PLAN[SYNC_PLAN.length - 1].nodes;
    rows.push({
      row: "1",
      what: `full sync, ${count(s.nodes)} nodes (n=${s.reps})`,
      result: `${ms(s.full.median)} / ${ms(s.full.p95)}; bare ${ms(s.bare.median)} / ${ms(s.bare.p95)}; ratio ${s.ratio}x`,
      goal: last ? "<= 2x bare" : "",
      met: last ? yes(s.ratio <= 2) : "",
    });
  }
  rows.push({ row: "2", what: `time-to-key, ${count(ttk.nodes)} nodes, on-demand 600/min (n=${ttk.n})`, result: `${ms(ttk.median)} / ${ms(ttk.p95)}`, goal: "median < 100 ms", met: yes(ttk.median < 100) });
  rows.push({ row: "2", what: `time-to-key, ${count(ttkDefault.nodes)} nodes, default limits (n=${ttkDefault.n})`, result: `${ms(ttkDefault.median)} / ${ms(ttkDefault.p95)}`, goal: "median < 100 ms", met: yes(ttkDefault.median < 100) });
  rows.push({
    row: "3",
    what: `startup to first sync/stats, ${count(startup.nodes)} nodes (n=${startup.n})`,
    result: `${ms(startup.median)} / ${ms(startup.p95)} (broker up at ${ms(startup.brokerListening.median)})`,
    goal: "median < 1,500 ms",
    met: yes(startup.median < 1500),
  });
  const t = (c) => `${c.messages} msgs, ${bytes(c.bytes)} (stats ${c.stats}, nodes ${c.nodes}, events ${c.events}, response ${c.response}, other ${c.other})`;
  rows.push({ row: "4", what: `one sync, ${count(traffic.nodes)} nodes, nothing changed`, result: t(traffic.unchanged), goal: "1 stats, 0 nodes/*", met: yes(traffic.unchanged.stats === 1 && traffic.unchanged.nodes === 0) });
  rows.push({ row: "4", what: `one sync, ${count(traffic.nodes)} nodes, ${traffic.rotated} keys rotated (1%)`, result: t(traffic.changed), goal: `1 stats, ${traffic.rotated} nodes/*`, met: yes(traffic.changed.stats === 1 && traffic.changed.nodes === traffic.rotated) });
  for (const p of memory.points) rows.push({ row: "5", what: `memory after first sync, ${count(p.nodes)} nodes`, result: `RSS ${mib(p.rss)}, heap used ${mib(p.heapUsed)}`, goal: "", met: "" });
  rows.push({ row: "5", what: "marginal memory per node, embedded broker in-process", result: `heap ${count(memory.heapPerNode)} B, RSS ${count(memory.rssPerNode)} B`, goal: "", met: "" });
  rows.push({ row: "5", what: "marginal memory per node, the bridge alone", result: `heap ${count(alone.heapPerNode)} B, RSS ${count(alone.rssPerNode)} B`, goal: "< 1 KB/node (heap)", met: yes(alone.heapPerNode < 1024) });
  rows.push({ row: "6", what: `refresh via MeshDevice.sendRaw, ${count(layers.nodes)} nodes (n=${layers.queued.n})`, result: `${ms(layers.queued.median)} / ${ms(layers.queued.p95)}`, goal: "", met: "" });
  rows.push({ row: "6", what: `refresh written straight to the transport (n=${layers.direct.n})`, result: `${ms(layers.direct.median)} / ${ms(layers.direct.p95)}`, goal: "", met: "" });
  rows.push({ row: "6", what: "MeshDevice process: disconnect to exit", result: exit.exitedByItself ? `${(exit.ms / 1000).toFixed(1)} s` : `> ${exit.ms / 1000} s (killed)`, goal: "prompt (< 1 s)", met: yes(exit.exitedByItself && exit.ms < 1000) });
  rows.push({ row: "7", what: `first sync (handshake), ${count(handshake.nodes)} nodes, HA discovery on / off`, result: `${ms(handshake.haOnMs)} / ${ms(handshake.haOffMs)}`, goal: "", met: "" });
  const per = (p) => `${bytes(p.bytes)}, ${p.cpuMs.toFixed(2)} ms CPU`;
  const base = store[0].after.perChange.amortised.bytes;
  for (const s of store) {
    const first = s === store[0];
    const flat = s.after.perChange.amortised.bytes < 4 * base;
    rows.push({ row: "8", what: `store, ${count(s.nodes)} nodes: per changed key, journal (n=${s.after.changes})`, result: `${per(s.after.perChange)}; amortised with compaction ${per(s.after.perChange.amortised)}`, goal: first ? "" : `bytes < 4x the ${count(store[0].nodes)}-node row`, met: first ? "" : yes(flat) });
    rows.push({ row: "8", what: `store, ${count(s.nodes)} nodes: per changed key, whole-file rewrite (before)`, result: s.before ? `${per(s.before.perChange)} (n=${s.before.changes})` : "n/a (BENCH_STORE_BEFORE unset)", goal: "", met: "" });
  }
  const s8 = serial.serial;
  const at = `${count(serial.nodes)} nodes, ${count(serial.baud)} baud (n=${serial.reps})`;
  rows.push({ row: "9", what: `serial sync, ${at}: dump's last byte to the sync result`, result: `${ms(s8.afterLastByte.median)} / ${ms(s8.afterLastByte.p95)}`, goal: "median < 20 ms", met: yes(s8.afterLastByte.median < 20) });
  rows.push({ row: "9", what: `serial sync, ${at}: wire time of the dump (bytes x 10 / baud); the sync, request to result`, result: `${ms(s8.wire.median)}; ${ms(s8.wall.median)} / ${ms(s8.wall.p95)}`, goal: "", met: "" });
  rows.push({
    row: "9",
    what: `bridge CPU per sync, ${count(serial.nodes)} nodes: serial / TCP`,
    result: `${ms(s8.cpu.median)} / ${ms(serial.tcp.cpu.median)} (p95 ${ms(s8.cpu.p95)} / ${ms(serial.tcp.cpu.p95)})`,
    goal: "serial <= TCP",
    met: yes(s8.cpu.median <= serial.tcp.cpu.median),
  });
  rows.push({ row: "9", what: `bridge wake-ups per sync (voluntary context switches), ${count(serial.nodes)} nodes: serial / TCP`, result: `${count(s8.wakes.median)} / ${count(serial.tcp.wakes.median)}`, goal: "", met: "" });
  const { transport, worker } = serial.floors;
  rows.push({
    row: "9",
    what: "CPU floor for the same serial dump: the bridge's transport + framing alone / blocking reads in a worker thread",
    result: `${ms(transport.cpu.median)} / ${ms(worker.cpu.median)} (wake-ups ${count(transport.wakes.median)} / ${count(worker.wakes.median)})`,
    goal: "",
    met: "",
  });

  rows.push(...nodeListRows(nodeList, NODE_LIST_PLAN));

  for (const h of api.handshakes) {
    const first = h === api.handshakes[0];
    rows.push({ row: "11", what: `API client's whole handshake, ${count(h.nodes)} nodes (n=${h.through.n}): through the API server / straight from the simulator`, result: `${ms(h.through.median)} / ${ms(h.through.p95)}; straight ${ms(h.direct.median)} / ${ms(h.direct.p95)}`, goal: first ? "no slower than straight" : "", met: first ? yes(h.through.median <= h.direct.median) : "" });
  }
  const l = api.latency;
  rows.push({ row: "11", what: `one live packet to each of ${l.clients} API clients (n=${l.through.n}): added latency, median / p99`, result: `${ms(l.added.median)} / ${ms(l.added.p99)} (through ${ms(l.through.median)} / ${ms(l.through.p99)}; straight ${ms(l.direct.median)} / ${ms(l.direct.p99)})`, goal: "median < 1 ms, p99 < 5 ms", met: yes(l.added.median < 1 && l.added.p99 < 5) });
  rows.push({ row: "11", what: `bridge memory per connected API client (${api.memory.clients} clients, ${count(api.memory.nodes)} nodes)`, result: `heap ${bytes(api.memory.perClient.heapUsed)}, external ${bytes(api.memory.perClient.external)}, RSS ${bytes(api.memory.perClient.rss)}`, goal: "", met: "" });
  const rr = api.reread;
  rows.push({ row: "11", what: `node_infos per connected API client from a ${count(rr.nodes)}-node re-read with ${rr.changes} changes (${rr.clients} clients)`, result: `${rr.frames.join(" / ")} frames (${ms(rr.ms)} from the sync request to the last client current)`, goal: `${rr.changes} each`, met: yes(rr.frames.every((f) => f === rr.changes)) });
  const lg = api.large;
  rows.push({ row: "11", what: `a ${count(lg.nodes)}-node handshake (${count(lg.frames)} frames, beyond the 4 MiB limit) to an API client that reads normally (n=${lg.through.n}): through the API server / straight`, result: `${ms(lg.through.median)} / ${ms(lg.through.p95)}; straight ${ms(lg.direct.median)} / ${ms(lg.direct.p95)}`, goal: "served whole", met: yes(lg.frames > lg.nodes) });
  rows.push(...pacerRows(pacer));
  rows.push(...dedupeRows(dedupe));
  rows.push(...burstRows(burst));
  rows.push(...uplinkRows(uplink));
  rows.push(...metricsScrapeRows(metricsScrape));

  const notes = [
    "Row 0: the radio link alone (MeshtasticRadio against the simulator in another process): no merge, no MQTT.",
    `Machine: ${before.nproc} cores, ${before.cpu}, ${before.ramGiB} GiB RAM, Node ${before.node}; load average ${before.loadavg.join(" ")} at start, ${after.loadavg.join(" ")} at end.`,
    "Row 1: from the `sync` request on MQTT to the subscriber holding the new sync/stats; bare = net.Socket + FrameDecoder + decodeFromRadio, want_config 69421 to config_complete_id, against the same simulator, alternating with the bridge's syncs round by round (the simulator serves both connections: multiClient).",
    `Row 2: nodes/<id> is announced after the store's fsync. First row: sync.on_demand_max_per_minute = ${TTK_PLAN.onDemandMaxPerMinute} (the default 6/min would hold trial 7 onwards for up to a minute); second row: the default, with the ${TTK_DEFAULT_PLAN.trials} trials a minute it allows.`,
    "Row 8: bytes = wchar of the store's process (every byte handed to write(2)); each change made durable on its own (one batch each: the worst case). Amortised adds the journal's compaction into the snapshot, spread over the changes between two compactions. Before = the store of ace0e57, flushed per change, when BENCH_STORE_BEFORE names its dist/.",
    "Home Assistant discovery is on (the shipped default) everywhere but row 7's second figure.",
    "Row 5: with the embedded broker (the default) its retained copy of every nodes/<id> is in the bridge process too; 'the bridge alone' runs the same bridge against a broker in the bench process.",
    `Row 10: messages on bridge/nodes and bridge/alerts (topic + payload bytes) from a forced sync after keys changed in the radio (status changed: both lists change) until both topics were quiet for ${NODE_LIST_PLAN.quietMs} ms (the lists go out at most once a second).`,
    "Row 11: the bridge (api_server on) against one simulator, a second simulator with the same NodeDB for the straight figures; handshakes alternate round by round on one connection each, after the bridge's first sync is out; latency = the monotonic time a simulator handed the packet to its socket to the time a client in the bench process decoded it (added = through minus straight, at the same percentile); memory = the bridge process after two full collections, before and after 50 clients handshook.",
    `Row 12: the simulator with the firmware's own send limits (a text sooner than 2 s after the last accepted one is dropped with no answer), the bridge with its API server; at t0, ${PACER_PLAN.perSender} send requests over MQTT and ${PACER_PLAN.perSender} PKI DMs (want_ack) from each of ${PACER_PLAN.clients} API clients, all through the bridge's one connection. The k-th answer (ACK at the client, or the send response at an MQTT subscriber) cannot come before t0 + k x 2 s; added = what came on top. CPU = the bridge process's user+system time from t0 to the last answer; 'above idle' subtracts the rate it spent at rest in the ${PACER_PLAN.idleMs / 1000} s before.`,
    "Row 9: the bridge on radio.serial, the simulator on the other end of a socat pty pair, its output paced at the baud (console text off); last byte = the simulated line going quiet after config_complete_id, result = the sync response at an MQTT subscriber; CPU = the bridge process's user+system time from request to response, beside a TCP sync of the same NodeDB. Floors: the same dump received in a process of its own by the bridge's serial transport and FrameDecoder (no protobuf decode), and by a worker thread in a blocking read() loop (node:fs only): what receiving the bytes alone costs, in as many wake-ups as the line hands them over.",
  ];
  const table = renderTable(BENCH_COLUMNS, rows);
  process.stdout.write(`${table}\n\n${notes.map((n) => `- ${n}`).join("\n")}\n`);
  const out = { date: new Date().toISOString(), machine: before, loadavgAfter: after.loadavg, durationMs: Math.round(nowMs() - began), table: rows, notes, results: { link, sync, ttk, ttkDefault, store, startup, traffic, memory, memoryBridgeAlone: alone, layers: { ...layers, exit }, handshake, serial, nodeList, api, pacer, dedupe, burst, metricsScrape } };
  writeFileSync(path.join(RESULTS, "latest.json"), `${JSON.stringify(out, null, 2)}\n`);
  process.stderr.write(`bench: done in ${(out.durationMs / 1000).toFixed(0)} s; bench/results/latest.json written\n`);
  process.exit(0);
} catch (err) {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
