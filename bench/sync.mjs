// Row 1: a full NodeDB sync through the real bridge (nodes-only refresh, merge into the key
// directory, publish to MQTT), timed from the `sync` request on MQTT to the subscriber's
// receipt of the new `sync/stats`; beside it the bare client's lower bound against the same
// simulator, in the same run. The two alternate, one bare refresh and one full sync per
// round, so both see the same moment of a shared machine. For that the simulator serves
// both connections at once (multiClient, as a proxy would); each gets its own dump.
//
// The request goes out on a client of its own; the subscriber that times the sync holds only
// sync/stats, as a dashboard would.
import { openBareClient } from "./lib/bare-client.mjs";
import { BASE, startBridge, startSim } from "./lib/setup.mjs";
import { json, watch } from "./lib/mqtt-watch.mjs";
import { summary } from "./lib/stats.mjs";
import { nowMs } from "./lib/time.mjs";

export const SYNC_PLAN = [
  { nodes: 250, reps: 30, warmup: 3 },
  { nodes: 2000, reps: 20, warmup: 3 },
  { nodes: 10000, reps: 20, warmup: 2 },
];

const isStats = (count) => (m) => m.topic === `${BASE}/sync/stats` && (json(m)?.sync_count ?? 0) >= count;

/** One sync through MQTT; returns wall time to the subscriber and the bridge's own duration. */
async function fullSync(mq, requester, transaction, count) {
  const stats = mq.next(isStats(count + 1), 60_000, `sync ${transaction}`);
  const response = requester.next((m) => json(m)?.transaction === transaction, 60_000, `response ${transaction}`);
  const started = nowMs();
  await requester.publish(`${BASE}/bridge/request/sync`, JSON.stringify({ transaction }));
  const got = await stats;
  const answer = json(await response);
  if (answer.status !== "ok") throw new Error(`sync ${transaction} failed: ${answer.error}`);
  return { ms: got.at - started, internal: answer.data.duration_ms, count: json(got).sync_count };
}

export async function measureSync({ nodes, reps, warmup }) {
  const sim = await startSim(`sync-${nodes}`, nodes, { multiClient: true });
  try {
    const bridge = await startBridge(`sync-${nodes}`, sim.address);
    try {
      const mq = await watch(bridge.mqtt, [`${BASE}/sync/stats`]);
      const requester = await watch(bridge.mqtt, [`${BASE}/bridge/response/sync`]);
      const bare = await openBareClient(sim.address);
      try {
        let count = json(await mq.current(isStats(1), 120_000, "first sync (handshake)")).sync_count;
        const wall = [];
        const internal = [];
        const lower = [];
        for (let i = 0; i < warmup + reps; i++) {
          // Alternate which goes first, so neither always follows the other's garbage.
          const runBare = async () => {
            const r = await bare.refresh();
            if (r.nodeInfos !== nodes + 1) throw new Error(`bare client got ${r.nodeInfos} node infos, expected ${nodes + 1}`);
            return r.ms;
          };
          const first = i % 2 === 0 ? await runBare() : null;
          const full = await fullSync(mq, requester, `sync-${nodes}-${i}`, count);
          const b = first ?? (await runBare());
          count = full.count;
          if (i < warmup) continue;
          wall.push(full.ms);
          internal.push(full.internal);
          lower.push(b);
        }
        const f = summary(wall);
        const l = summary(lower);
        return { nodes, reps, full: f, bare: l, bridgeReported: summary(internal, 0), ratio: Math.round((f.median / l.median) * 100) / 100 };
      } finally {
        await bare.close();
        await requester.close();
        await mq.close();
      }
    } finally {
      await bridge.stop();
    }
  } finally {
    await sim.stop();
  }
}
