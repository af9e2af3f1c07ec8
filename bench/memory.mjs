// Row 5: memory of the bridge process (its own child, one per size, so sizes don't pollute
// each other) after its first sync: RSS, and heap used after global.gc(). The marginal bytes
// per node are the least-squares slope over the sizes. With the embedded broker (the default)
// its retained copy of every `nodes/<id>` is in the bridge process too; measureMemory's
// `mqttServer` option puts the broker in the bench process instead, to see the bridge alone.
import { BASE, withRig } from "./lib/setup.mjs";
import { json } from "./lib/mqtt-watch.mjs";
import { slope } from "./lib/stats.mjs";
import { sleep } from "./lib/time.mjs";

export const MEMORY_SIZES = [250, 2000, 10000];

async function memoryAt(nodes, bridgeOptions) {
  return withRig(`memory-${nodes}`, nodes, { bridge: bridgeOptions, topics: [`${BASE}/sync/stats`, `${BASE}/nodes/+`] }, async ({ bridge, mq }) => {
    // The first sync is complete once every node's retained state went out (own node included).
    const seen = new Set();
    const all = new Promise((resolve) => {
      const check = (m) => {
        if (m.topic.startsWith(`${BASE}/nodes/`)) seen.add(m.topic);
        if (seen.size >= nodes + 1) resolve();
      };
      mq.listen(check);
    });
    await mq.current((m) => m.topic === `${BASE}/sync/stats` && (json(m)?.sync_count ?? 0) >= 1, 120_000, "first sync (handshake)");
    await Promise.race([all, sleep(60_000).then(() => Promise.reject(new Error(`only ${seen.size} of ${nodes + 1} nodes/<id> published`)))]);
    await sleep(1_500); // the store's debounced write and the broker's acks
    return { nodes, ...(await bridge.request("memory")) };
  });
}

export async function measureMemory(sizes, bridgeOptions = {}) {
  const points = [];
  for (const nodes of sizes) points.push(await memoryAt(nodes, bridgeOptions));
  const xs = points.map((p) => p.nodes);
  return {
    points,
    rssPerNode: Math.round(slope(xs, points.map((p) => p.rss))),
    heapPerNode: Math.round(slope(xs, points.map((p) => p.heapUsed))),
    externalPerNode: Math.round(slope(xs, points.map((p) => p.external))),
  };
}
