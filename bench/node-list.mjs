// Row 10: what `<base>/bridge/nodes` and `<base>/bridge/alerts` cost per change, at 250 and
// 2,000 nodes: every message on those two topics (topic + payload bytes) that follows one
// forced sync after a change in the radio's NodeDB, counted from the request until the
// topics have been quiet for longer than the once-a-second limit. Two kinds of change: one
// key changed (the node's status becomes `changed`: both lists change), and 20 keys changed
// before one sync (coalesced: what a burst costs per change).
//
// In `npm run bench`; alone (after `npm run build`): node bench/node-list.mjs
import { pathToFileURL } from "node:url";
import { BASE, withRig } from "./lib/setup.mjs";
import { json } from "./lib/mqtt-watch.mjs";
import { median } from "./lib/stats.mjs";
import { BENCH_COLUMNS, bytes, count, renderTable } from "./lib/table.mjs";
import { nowMs, sleep } from "./lib/time.mjs";

export const NODE_LIST_PLAN = { sizes: [250, 2000], single: 5, burst: 20, quietMs: 1500 };

const NODES = `${BASE}/bridge/nodes`;
const ALERTS = `${BASE}/bridge/alerts`;

/** Waits until neither list has had a message for `quietMs` (bounded by `maxMs`). */
async function quiet(mq, quietMs, maxMs) {
  let last = nowMs();
  const stop = mq.listen((m) => (m.topic === NODES || m.topic === ALERTS) && (last = nowMs()));
  const deadline = nowMs() + maxMs;
  try {
    while (nowMs() - last < quietMs) {
      if (nowMs() > deadline) throw new Error(`bridge/nodes did not settle within ${maxMs} ms`);
      await sleep(50);
    }
  } finally {
    stop();
  }
}

/** Rotates `keys` keys in the radio (from node `offset` on), syncs once, counts the two lists' messages. */
async function countOneChange(sim, mq, { keys, offset, quietMs, transaction }) {
  const c = { messages: 0, bytes: 0, nodes: 0, nodesBytes: 0, alerts: 0, alertsBytes: 0, listed: 0 };
  const stop = mq.listen((m) => {
    const size = Buffer.byteLength(m.topic) + m.payload.length;
    if (m.topic === NODES) {
      c.nodes += 1;
      c.nodesBytes += size;
      c.listed = json(m)?.length ?? 0;
    } else if (m.topic === ALERTS) {
      c.alerts += 1;
      c.alertsBytes += size;
    } else return;
    c.messages += 1;
    c.bytes += size;
  });
  try {
    await sim.request("rotateKeys", { count: keys, offset });
    const response = mq.next((m) => m.topic === `${BASE}/bridge/response/sync` && json(m)?.transaction === transaction, 60_000, `response ${transaction}`);
    await mq.publish(`${BASE}/bridge/request/sync`, JSON.stringify({ transaction }));
    const answer = json(await response);
    if (answer.status !== "ok") throw new Error(`sync ${transaction} failed: ${answer.error}`);
    await quiet(mq, quietMs, 30_000);
    return c;
  } finally {
    stop();
  }
}

async function measureSize(nodes, { single, burst, quietMs }) {
  return withRig(`node-list-${nodes}`, nodes, { topics: [NODES, ALERTS, `${BASE}/bridge/response/sync`] }, async ({ sim, mq }) => {
    await mq.current((m) => m.topic === NODES && (json(m)?.length ?? 0) > nodes, 120_000, "bridge/nodes after the first sync");
    await quiet(mq, quietMs, 60_000);
    const singles = [];
    for (let i = 0; i < single; i++) singles.push(await countOneChange(sim, mq, { keys: 1, offset: 1 + i * 7, quietMs, transaction: `single-${i}` }));
    const bursts = await countOneChange(sim, mq, { keys: burst, offset: 3, quietMs, transaction: "burst" });
    return { nodes, singles, burst: { ...bursts, changes: burst } };
  });
}

export async function measureNodeList(plan = NODE_LIST_PLAN) {
  const out = [];
  for (const nodes of plan.sizes) out.push(await measureSize(nodes, plan));
  return out;
}

/** The table rows of this measurement (run.mjs and the stand-alone run print the same). */
export function nodeListRows(results, plan = NODE_LIST_PLAN) {
  const rows = [];
  const m = (xs, f) => median(xs.map(f));
  for (const r of results) {
    const s = r.singles;
    rows.push({
      row: "10",
      what: `bridge/nodes + bridge/alerts, ${count(r.nodes)} nodes: one key changed, one sync (n=${s.length})`,
      result: `${m(s, (c) => c.messages)} msgs, ${bytes(m(s, (c) => c.bytes))} (nodes ${m(s, (c) => c.nodes)} / ${bytes(m(s, (c) => c.nodesBytes))}, alerts ${m(s, (c) => c.alerts)} / ${bytes(m(s, (c) => c.alertsBytes))})`,
      goal: "<= 1 msg per topic",
      met: s.every((c) => c.nodes <= 1 && c.alerts <= 1) ? "yes" : "NO",
    });
    const b = r.burst;
    rows.push({
      row: "10",
      what: `bridge/nodes + bridge/alerts, ${count(r.nodes)} nodes: ${plan.burst} keys changed, one sync`,
      result: `${b.messages} msgs, ${bytes(b.bytes)}; per change ${bytes(b.bytes / b.changes)}`,
      goal: "<= 1 msg per topic",
      met: b.nodes <= 1 && b.alerts <= 1 ? "yes" : "NO",
    });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const results = await measureNodeList();
  process.stdout.write(`${renderTable(BENCH_COLUMNS, nodeListRows(results))}\n`);
  process.exit(0);
}
