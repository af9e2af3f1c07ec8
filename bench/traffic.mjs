// Row 4: steady-state MQTT traffic of one forced sync, as a wildcard subscriber on `<base>/#`
// sees it: once with nothing changed, once after 1% of the radio's keys were rotated.
// Counted: every message from our `sync` request to its response plus a quiet period,
// except our own request. Bytes are topic + payload.
import { BASE, withRig } from "./lib/setup.mjs";
import { json } from "./lib/mqtt-watch.mjs";
import { nowMs, sleep } from "./lib/time.mjs";

export const TRAFFIC_PLAN = { nodes: 2000, changedPercent: 1, quietMs: 500 };

function kind(topic) {
  const rest = topic.slice(BASE.length + 1);
  if (rest === "sync/stats") return "stats";
  if (rest.startsWith("nodes/")) return "nodes";
  if (rest === "bridge/event") return "events";
  if (rest === "bridge/response/sync") return "response";
  return "other";
}

/** Waits until no message has arrived for `quietMs` (bounded by `maxMs`). */
async function quiet(mq, quietMs, maxMs) {
  let last = nowMs();
  const stop = mq.listen(() => (last = nowMs()));
  const deadline = nowMs() + maxMs;
  try {
    while (nowMs() - last < quietMs) {
      if (nowMs() > deadline) throw new Error(`MQTT traffic did not settle within ${maxMs} ms`);
      await sleep(50);
    }
  } finally {
    stop();
  }
}

async function countOneSync(mq, transaction, quietMs) {
  const counts = { messages: 0, bytes: 0, stats: 0, nodes: 0, events: 0, response: 0, other: 0 };
  const stop = mq.listen((m) => {
    if (m.topic === `${BASE}/bridge/request/sync`) return; // our own request
    counts.messages += 1;
    counts.bytes += Buffer.byteLength(m.topic) + m.payload.length;
    counts[kind(m.topic)] += 1;
  });
  try {
    const response = mq.next((m) => m.topic === `${BASE}/bridge/response/sync` && json(m)?.transaction === transaction, 60_000, `response ${transaction}`);
    await mq.publish(`${BASE}/bridge/request/sync`, JSON.stringify({ transaction }));
    const answer = json(await response);
    if (answer.status !== "ok") throw new Error(`sync ${transaction} failed: ${answer.error}`);
    await quiet(mq, quietMs, 30_000);
    return { ...counts, result: answer.data };
  } finally {
    stop();
  }
}

export async function measureTraffic({ nodes, changedPercent, quietMs }, bridgeOptions = {}) {
  return withRig("traffic", nodes, { bridge: bridgeOptions, topics: [`${BASE}/#`] }, async ({ sim, mq }) => {
    await mq.current((m) => m.topic === `${BASE}/sync/stats` && (json(m)?.sync_count ?? 0) >= 1, 120_000, "first sync (handshake)");
    await quiet(mq, quietMs, 60_000); // the retained state flood of our subscription
    const unchanged = await countOneSync(mq, "traffic-unchanged", quietMs);
    const rotate = Math.max(1, Math.round((nodes * changedPercent) / 100));
    await sim.request("rotateKeys", { count: rotate });
    const changed = await countOneSync(mq, "traffic-changed", quietMs);
    return { nodes, rotated: rotate, unchanged, changed };
  });
}
