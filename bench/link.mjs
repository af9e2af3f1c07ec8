// Row 0: the radio link alone (no merge, no MQTT): the full config handshake at 250 nodes,
// and the nodes-only refresh (nonce 69421) at 250, 2,000 and 10,000 nodes on the one
// connection, against the simulator in a child process.
import { MeshtasticRadio } from "../dist/radio/meshtastic.js";
import { startSim } from "./lib/setup.mjs";
import { median, p95 } from "./lib/stats.mjs";
import { nowMs } from "./lib/time.mjs";

export const LINK_PLAN = { handshakeNodes: 250, handshakes: 10, refresh: [{ nodes: 250, reps: 30 }, { nodes: 2000, reps: 20 }, { nodes: 10000, reps: 10 }] };

async function connect(address) {
  const radio = new MeshtasticRadio({ host: address.host, port: address.port });
  const started = nowMs();
  const ready = new Promise((resolve) => radio.once("dump", resolve));
  radio.start();
  await ready;
  return { radio, handshakeMs: nowMs() - started };
}

export async function measureLink(plan) {
  const handshake = [];
  const refresh = [];
  for (const { nodes, reps } of plan.refresh) {
    const sim = await startSim(`link-${nodes}`, nodes);
    try {
      const times = [];
      for (let i = 0; i < (nodes === plan.handshakeNodes ? plan.handshakes : 1); i++) {
        const { radio, handshakeMs } = await connect(sim.address);
        if (nodes === plan.handshakeNodes) handshake.push(handshakeMs);
        if (i === 0) {
          for (let r = 0; r < reps; r++) {
            const t = nowMs();
            const dump = await radio.requestNodeDb();
            if (dump.nodes.length !== nodes) throw new Error(`refresh at ${nodes} nodes returned ${dump.nodes.length}`);
            times.push(nowMs() - t);
          }
        }
        await radio.stop();
      }
      refresh.push({ nodes, reps, median: median(times), p95: p95(times) });
    } finally {
      await sim.stop();
    }
  }
  return { handshake: { nodes: plan.handshakeNodes, n: handshake.length, median: median(handshake), p95: p95(handshake) }, refresh };
}
