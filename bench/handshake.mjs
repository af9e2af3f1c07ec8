// Row 7: the first sync (the connection's handshake dump: every node is new) with Home
// Assistant discovery on, as shipped, and off. Timed in the bridge process's own terms: from
// startApp() having returned to a subscriber holding sync/stats with sync_count >= 1.
import { BASE, startBridge, startSim } from "./lib/setup.mjs";
import { json, watch } from "./lib/mqtt-watch.mjs";
import { nowMs } from "./lib/time.mjs";

export const HANDSHAKE_PLAN = { nodes: 2000 };

async function firstSync(sim, homeAssistant) {
  const bridge = await startBridge(`handshake-ha-${homeAssistant ? "on" : "off"}`, sim.address, { homeAssistant });
  const ready = nowMs();
  try {
    const mq = await watch(bridge.mqtt, [`${BASE}/sync/stats`]);
    try {
      const stats = await mq.current((m) => (json(m)?.sync_count ?? 0) >= 1, 120_000, "first sync (handshake)");
      return Math.round(stats.at - ready);
    } finally {
      await mq.close();
    }
  } finally {
    await bridge.stop();
  }
}

export async function measureHandshake({ nodes }) {
  const sim = await startSim("handshake", nodes);
  try {
    const off = await firstSync(sim, false);
    const on = await firstSync(sim, true);
    return { nodes, haOffMs: off, haOnMs: on };
  } finally {
    await sim.stop();
  }
}
