// Row 12: the link's one pacer (src/radio/pacer.ts) under the firmware's real text limit. A
// simulator child with its default limits (one text per 2 s per connection, a sooner one
// dropped silently, as 2.7.26 does) and the bridge with its API server; then, at once, 10 `send`
// requests over MQTT and 10 PKI DMs from each of 3 API clients: 40 texts through one
// connection. Each must end in the destination's ACK; the k-th answer cannot come before
// t0 + k x 2 s, and what comes on top of that floor is the pacer's cost. The row takes ~80 s
// by nature. Alone: `npm run build && node --expose-gc bench/pacer.mjs`.
import { pathToFileURL } from "node:url";
import { openApiClient } from "./lib/api-client.mjs";
import { json } from "./lib/mqtt-watch.mjs";
import { BASE, withRig } from "./lib/setup.mjs";
import { median, percentile } from "./lib/stats.mjs";
import { BENCH_COLUMNS, count, ms, renderTable } from "./lib/table.mjs";
import { nowMs, sleep } from "./lib/time.mjs";

/** textMs is the firmware's TEXT_MESSAGE_APP window: the floor the row is measured against, not a setting. */
export const PACER_PLAN = { nodes: 40, destinations: 10, clients: 3, perSender: 10, textMs: 2_000, ceilingMs: 150_000, sendMaxPerMinute: 60, idleMs: 5_000 };

const SEND_RESPONSE = `${BASE}/bridge/response/send`;

/** The destinations: keyed nodes in the radio's NodeDB other than the radio itself, from the retained nodes/<id>. */
async function destinations(mq, ownNum, wanted) {
  const keyed = new Map();
  await mq.current((m) => {
    const node = m.topic.startsWith(`${BASE}/nodes/`) ? json(m) : null;
    if (node?.has_key === true && node.in_radio === true && node.num !== ownNum) keyed.set(node.id, node.num);
    return keyed.size >= wanted;
  }, 30_000, `${wanted} keyed nodes on ${BASE}/nodes/+`);
  return [...keyed].slice(0, wanted).map(([id, num]) => ({ id, num }));
}

/** Resolves once `done()` holds or at `deadline` (monotonic ms); the answers are stamped on arrival, so the poll adds nothing to them. */
async function until(done, deadline) {
  while (!done() && nowMs() < deadline) await sleep(20);
}

function summarise(plan, t0, answers, waited, cpu, refused) {
  const total = plan.perSender * (plan.clients + 1);
  const acked = answers.filter((a) => a.ok).map((a) => a.at).sort((a, b) => a - b);
  const failed = answers.filter((a) => !a.ok);
  // The radio takes one text per window, so the k-th answer is never earlier than t0 + k windows.
  const added = acked.map((at, k) => at - t0 - k * plan.textMs);
  const gaps = acked.slice(1).map((at, k) => at - acked[k] - plan.textMs);
  const r1 = (v) => Math.round(v * 10) / 10;
  const stat = (v) => (v.length > 0 ? { median: r1(median(v)), p95: r1(percentile(v, 95)), max: r1(Math.max(...v)), n: v.length } : null);
  return {
    total,
    answered: answers.length,
    delivered: acked.length,
    lost: total - acked.length,
    errors: failed.map((a) => `${a.who}: ${a.error}`),
    refusedByRadio: refused,
    addedMs: stat(added),
    gapOverWindowMs: stat(gaps),
    totalMs: acked.length > 0 ? r1(acked[acked.length - 1] - t0) : null,
    floorMs: (total - 1) * plan.textMs,
    bridgeWaitedMs: stat(waited),
    cpu: { totalMs: r1(cpu.used), idleMs: r1(cpu.idle), perDmMs: Math.round((cpu.used / total) * 1000) / 1000, perDmAboveIdleMs: Math.round(((cpu.used - cpu.idle) / total) * 1000) / 1000, wakesPerDmAboveIdle: r1((cpu.wakes - cpu.idleWakes) / total) },
  };
}

async function run(plan, { sim, bridge, mq }) {
  await mq.current((m) => m.topic === `${BASE}/sync/stats` && (json(m)?.sync_count ?? 0) >= 1, 120_000, "the bridge's first sync");
  const { ownNum } = await sim.request("info");
  const to = await destinations(mq, ownNum, plan.destinations);
  const split = bridge.api.lastIndexOf(":");
  const api = { host: bridge.api.slice(0, split), port: Number(bridge.api.slice(split + 1)) };
  const clients = [];
  for (let c = 0; c < plan.clients; c++) {
    const client = await openApiClient(api);
    await client.handshake(1200 + c);
    clients.push(client);
  }
  try {
    // Ids per client in their own range, so an answer can never be taken for another's.
    const ids = clients.map((_, c) => Array.from({ length: plan.perSender }, (_, i) => 0x12_0000 * (c + 1) + i));
    const responses = new Map();
    const off = mq.listen((m) => {
      const body = m.topic === SEND_RESPONSE ? json(m) : null;
      if (typeof body?.transaction === "string" && body.transaction.startsWith("pacer-") && !responses.has(body.transaction)) responses.set(body.transaction, { at: m.at, body });
    });
    // The bridge's CPU at rest (heartbeats, timers, MQTT keep-alives), to tell the DMs' share from it.
    const idle0 = await bridge.request("cpu");
    await sleep(plan.idleMs);
    const idle1 = await bridge.request("cpu");
    const idlePerMs = { cpu: (idle1.ms - idle0.ms) / plan.idleMs, wakes: (idle1.wakes - idle0.wakes) / plan.idleMs };
    const { stats: before } = await sim.request("info");
    const cpu0 = await bridge.request("cpu");

    const t0 = nowMs();
    const published = Promise.all(Array.from({ length: plan.perSender }, (_, i) => {
      const request = { to: to[i % to.length].id, text: `bench pacer ${i}`, transaction: `pacer-${i}` };
      return mq.publish(`${BASE}/bridge/request/send`, JSON.stringify(request));
    }));
    clients.forEach((client, c) => ids[c].forEach((id, i) => client.dm(to[i % to.length].num, id)));
    await published;

    const pending = () => responses.size < plan.perSender || clients.some((client, c) => ids[c].some((id) => !client.answers.has(id)));
    await until(() => !pending(), t0 + plan.ceilingMs);
    const cpu1 = await bridge.request("cpu");
    const elapsed = nowMs() - t0;
    const { stats: after } = await sim.request("info");
    off();

    const answers = [];
    for (const { at, body } of responses.values()) {
      answers.push({ who: `send ${body.transaction}`, at, ok: body.status === "ok", error: body.error });
    }
    clients.forEach((client, c) => ids[c].forEach((id) => {
      const a = client.answers.get(id);
      if (a) answers.push({ who: `client ${c} packet ${id}`, at: a.at, ok: a.code === 0, error: `routing error ${a.code}` });
    }));
    const waited = [...responses.values()].filter((r) => r.body.status === "ok").map((r) => r.body.data.waited_ms);
    const result = summarise(plan, t0, answers, waited, { used: cpu1.ms - cpu0.ms, idle: idlePerMs.cpu * elapsed, wakes: cpu1.wakes - cpu0.wakes, idleWakes: idlePerMs.wakes * elapsed }, after.sendsRefused - before.sendsRefused);
    return { ...plan, ...result };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

export function measurePacer(plan = PACER_PLAN) {
  const bridge = { apiServer: true, homeAssistant: false, sendMaxPerMinute: plan.sendMaxPerMinute };
  const topics = [`${BASE}/sync/stats`, `${BASE}/nodes/+`, SEND_RESPONSE];
  return withRig("pacer", plan.nodes, { bridge, topics }, (rig) => run(plan, rig));
}

export function pacerRows(r) {
  const who = `${r.perSender} send requests + ${r.clients} API clients x ${r.perSender} DMs, at once`;
  const a = r.addedMs ?? { median: NaN, p95: NaN };
  const g = r.gapOverWindowMs ?? { median: NaN, p95: NaN };
  const w = r.bridgeWaitedMs ?? { median: NaN, max: NaN };
  return [
    { row: "12", what: `one pacer, firmware text limit (2 s), ${count(r.nodes)} nodes: ${who}`, result: `${r.delivered}/${r.total} ACKed, ${r.lost} lost (radio refused ${r.refusedByRadio})`, goal: `${r.total}/${r.total} answered, 0 lost`, met: r.delivered === r.total && r.lost === 0 ? "yes" : "NO" },
    { row: "12", what: "added wait per DM: gap between consecutive answers over the 2 s floor (the pacer's margin + the radio's answer)", result: `${ms(g.median)} / ${ms(g.p95)}`, goal: "median < 50 ms", met: g.median < 50 ? "yes" : "NO" },
    { row: "12", what: `added wait per DM, summed over the queue (k-th answer - t0 - k x 2 s, n=${r.delivered})`, result: `${ms(a.median)} / ${ms(a.p95)}`, goal: "", met: "" },
    { row: "12", what: `t0 to the last of the ${r.total} answers / the floor (${r.total - 1} x 2 s)`, result: `${r.totalMs === null ? "n/a" : ms(r.totalMs)} / ${ms(r.floorMs)}`, goal: "", met: "" },
    { row: "12", what: "bridge CPU per DM: all / above the same time at rest (wake-ups per DM above rest)", result: `${r.cpu.perDmMs.toFixed(2)} ms / ${r.cpu.perDmAboveIdleMs.toFixed(2)} ms (${r.cpu.wakesPerDmAboveIdle}); ${ms(r.cpu.totalMs)} in all, at rest ${ms(r.cpu.idleMs)}`, goal: "", met: "" },
    { row: "12", what: "the bridge's send responses: waited_ms, median / max", result: `${ms(w.median)} / ${ms(w.max)}`, goal: "", met: "" },
  ];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await measurePacer();
  process.stdout.write(`${renderTable(BENCH_COLUMNS, pacerRows(result))}\n\n${JSON.stringify(result, null, 2)}\n`);
  process.exit(0);
}
