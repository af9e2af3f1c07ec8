// Builds what every row needs: a simulated radio child, a bridge child with its config file
// in a temp dir, and where their logs go. Ports are all picked by the OS on 127.0.0.1.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startChild } from "./children.mjs";
import { watch } from "./mqtt-watch.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, "../..");
export const RESULTS = path.join(ROOT, "bench/results");
export const BASE = "bench";
/**
 * Home Assistant discovery in the bridge children of rows 1, 2, 4 and 5: on, as shipped.
 * Row 7 measures its cost on a first sync by turning it off once.
 */
export const BENCH_HOME_ASSISTANT = true;

const scratch = mkdtempSync(path.join(tmpdir(), "keysync-bench-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));
let serial = 0;

/** A fresh directory under the bench's scratch dir (removed when the bench exits). */
export function tempDir(name) {
  const dir = path.join(scratch, `${name}-${++serial}`);
  rmSync(dir, { recursive: true, force: true });
  return mkdtempSync(`${dir}-`);
}

export function logFile(name) {
  return path.join(RESULTS, `${name}.log`);
}

/**
 * A config file for the bridge against the simulator at `radio`: embedded broker on a free
 * port, the store in its own temp dir, periodic syncs out of the way (the bench forces them).
 */
export function writeConfig(name, radio, { onDemandMaxPerMinute = 6, logLevel = "info", homeAssistant = BENCH_HOME_ASSISTANT, mqttServer = null, apiServer = false, sendMaxPerMinute = null, metrics = false } = {}) {
  const dir = tempDir(name);
  const file = path.join(dir, "config.yaml");
  const yaml = [
    "radio:",
    ...(radio.serial ? [`  serial: ${radio.serial}`, `  baud: ${radio.baud}`] : [`  host: ${radio.host}`, `  port: ${radio.port}`]),
    "sync:",
    "  interval: 86400",
    `  on_demand_max_per_minute: ${onDemandMaxPerMinute}`,
    "mqtt:",
    `  base_topic: ${BASE}`,
    ...(mqttServer ? [`  server: "${mqttServer}"`] : []),
    "embedded_broker:",
    "  host: 127.0.0.1",
    "  port: 0",
    "store:",
    `  path: ${path.join(dir, "keys.json")}`,
    "homeassistant:",
    `  enabled: ${homeAssistant}`,
    `log_level: ${logLevel}`,
    // Row 10: the API server on a free port, room for the memory row's clients.
    ...(apiServer ? ["api_server:", "  enabled: true", "  port: 0", "  max_clients: 64"] : []),
    // Row 12: room for a burst of sends at once (the default, 6 a minute, refuses the 7th).
    ...(sendMaxPerMinute ? ["send:", `  max_per_minute: ${sendMaxPerMinute}`] : []),
    // Row 15: the metrics listener on a free port.
    ...(metrics ? ["metrics:", "  enabled: true", "  port: 0"] : []),
    "",
  ].join("\n");
  writeFileSync(file, yaml);
  return file;
}

/**
 * `multiClient`: a new client does not force-close the previous one (as behind a proxy).
 * `serial`: {path, baud}: serve the radio's end of a pty pair instead of TCP.
 */
export async function startSim(name, nodes, { multiClient = false, serial = null } = {}) {
  const sim = await startChild(path.join(here, "sim-host.mjs"), [JSON.stringify({ nodes, multiClient, serial })], { logFile: logFile(`${name}-sim`) });
  return { ...sim, address: sim.ready.address };
}

/** The bridge in its own process (with --expose-gc for the memory row). */
export async function startBridge(name, radio, options = {}) {
  const config = writeConfig(name, radio, options);
  const app = await startChild(path.join(here, "app-host.mjs"), [config], {
    logFile: logFile(`${name}-bridge`),
    execArgv: ["--expose-gc"],
  });
  return { ...app, mqtt: app.ready.mqtt, api: app.ready.api, metrics: app.ready.metrics };
}

/**
 * A simulator with `nodes`, a bridge on it and a watcher of `topics` on the bridge's broker:
 * `run` gets all three, and they stop in reverse order whatever happens.
 */
export async function withRig(name, nodes, { bridge: bridgeOptions = {}, topics }, run) {
  const sim = await startSim(name, nodes);
  try {
    const bridge = await startBridge(name, sim.address, bridgeOptions);
    try {
      const mq = await watch(bridge.mqtt, topics);
      try {
        return await run({ sim, bridge, mq });
      } finally {
        await mq.close();
      }
    } finally {
      await bridge.stop();
    }
  } finally {
    await sim.stop();
  }
}
