// Row 3: startup. From spawning `node bin/meshtastic-keysync.js --config FILE` to a
// subscriber holding the first complete `sync/stats` (sync_count >= 1). The embedded broker
// takes a free port; its address comes from the log line "embedded MQTT broker listening on
// HOST:PORT" (field `url`) on stderr. Each run starts with an empty store (a first start).
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { track } from "./lib/children.mjs";
import { BASE, ROOT, startSim, writeConfig } from "./lib/setup.mjs";
import { json, watch } from "./lib/mqtt-watch.mjs";
import { summary } from "./lib/stats.mjs";
import { nowMs, sleep, withTimeout } from "./lib/time.mjs";

export const STARTUP_PLAN = { nodes: 250, runs: 5 };

function cleanEnv() {
  const env = { ...process.env, LOG_FORMAT: "json" };
  for (const name of Object.keys(env)) if (name.startsWith("MESHTASTIC_KEYSYNC_")) delete env[name];
  return env;
}

/** Resolves with the broker URL from the bridge's JSON log on stderr. */
function brokerUrl(child) {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      let record;
      try {
        record = JSON.parse(line);
      } catch {
        return;
      }
      if (typeof record.msg === "string" && record.msg.startsWith("embedded MQTT broker listening on") && record.url) resolve(record.url);
    });
    child.once("exit", (code) => reject(new Error(`the bridge exited (${code}) before its broker listened`)));
  });
}

async function oneStart(radio, run) {
  const config = writeConfig(`startup-${run}`, radio, { logLevel: "info", homeAssistant: true }); // shipped defaults
  const started = nowMs();
  const child = track(spawn(process.execPath, [path.join(ROOT, "bin/meshtastic-keysync.js"), "--config", config], {
    cwd: ROOT,
    env: cleanEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  }));
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  try {
    const url = await withTimeout(brokerUrl(child), 30_000, "bridge broker URL");
    const brokerAt = nowMs();
    const mq = await watch(url, [`${BASE}/sync/stats`]);
    try {
      const stats = await mq.current((m) => (json(m)?.sync_count ?? 0) >= 1, 30_000, "first complete sync/stats");
      return { total: stats.at - started, broker: brokerAt - started };
    } finally {
      await mq.close();
    }
  } finally {
    child.kill("SIGTERM");
    try {
      const code = await withTimeout(exited, 10_000, "bridge exit after SIGTERM");
      if (code !== 0) throw new Error(`the bridge exited with ${code} after SIGTERM`);
    } catch (err) {
      child.kill("SIGKILL");
      await exited;
      throw err;
    }
  }
}

export async function measureStartup({ nodes, runs }) {
  const sim = await startSim("startup", nodes);
  try {
    const totals = [];
    const brokers = [];
    for (let run = 0; run < runs; run++) {
      const { total, broker } = await oneStart(sim.address, run);
      totals.push(total);
      brokers.push(broker);
      await sleep(100); // the radio notices the old client is gone
    }
    return { nodes, runs, ...summary(totals), brokerListening: summary(brokers) };
  } finally {
    await sim.stop();
  }
}
