// Row 2: time-to-key. The radio learns a node silently (addNodesSilently), then hears an
// undecryptable packet from it (deliverEncrypted); we time from that packet leaving the
// simulator to a subscriber receiving the node's retained `nodes/<id>` with has_key: true.
// The announcement is durable first: nodes/<id> goes out once the store has fsynced it.
// Each trial is one on-demand sync: TTK_PLAN raises on_demand_max_per_minute to run 50;
// TTK_DEFAULT_PLAN keeps the default limit (6 a minute) and runs the 6 trials it allows.
import { BASE, withRig } from "./lib/setup.mjs";
import { json } from "./lib/mqtt-watch.mjs";
import { summary } from "./lib/stats.mjs";
import { sleep } from "./lib/time.mjs";

export const TTK_PLAN = { nodes: 250, trials: 50, warmup: 3, onDemandMaxPerMinute: 600 };
export const TTK_DEFAULT_PLAN = { nodes: 250, trials: 6, warmup: 0, onDemandMaxPerMinute: 6 };

export async function measureTimeToKey({ nodes, trials, warmup, onDemandMaxPerMinute }, bridgeOptions = {}) {
  const options = { bridge: { onDemandMaxPerMinute, ...bridgeOptions }, topics: [`${BASE}/nodes/+`, `${BASE}/sync/stats`] };
  return withRig("ttk", nodes, options, async ({ sim, mq }) => {
    await mq.current((m) => m.topic === `${BASE}/sync/stats` && (json(m)?.sync_count ?? 0) >= 1, 120_000, "first sync (handshake)");
    const times = [];
    for (let i = 0; i < warmup + trials; i++) {
      const [node] = await sim.request("addNodesSilently", { count: 1 });
      const topic = `${BASE}/nodes/${node.id}`;
      const keyed = mq.next((m) => m.topic === topic && json(m)?.has_key === true, 20_000, `nodes/${node.id} with a key`);
      const { sentAt } = await sim.request("deliverEncrypted", { num: node.num });
      const got = await keyed;
      if (i >= warmup) times.push(got.at - sentAt);
      await sleep(20); // let the sync's stats and store write finish before the next trial
    }
    return { nodes, trials, onDemandMaxPerMinute, ...summary(times) };
  });
}
