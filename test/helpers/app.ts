// Runs the whole bridge in-process (startApp) against a simulated radio the test controls,
// with a config written as a user would, loaded through the real config loader.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startApp, type AppHandle } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { SimRadio, type SimRadioOptions } from "../../src/sim/index.js";

export interface RunningBridge {
  app: AppHandle;
  sim: SimRadio;
  mqttUrl: string;
  dir: string;
  stop(): Promise<void>;
}

/** `config` is merged over a radio pointing at the simulator and an embedded broker on port 0. */
export async function startBridge(config: Record<string, unknown> = {}, simOptions: SimRadioOptions = {}): Promise<RunningBridge> {
  const sim = new SimRadio({ port: 0, nodes: 30, ...simOptions });
  const address = await sim.start();
  const dir = mkdtempSync(join(tmpdir(), "keysync-bridge-"));
  const file = join(dir, "config.yaml");
  const base = {
    radio: { host: address.host, port: address.port },
    embedded_broker: { port: 0 },
    store: { path: join(dir, "keys.json") },
    log_level: "warn",
  };
  writeFileSync(file, stringify(deepMerge(base, config)));
  const loaded = loadConfig({ path: file, env: {}, cwd: dir });
  const logger = createLogger(loaded.config.log_level, { format: "json" });
  const app = await startApp(loaded.config, { logger, demo: false, configPath: file });
  return {
    app,
    sim,
    mqttUrl: app.addresses.mqtt,
    dir,
    stop: async () => {
      await app.stop();
      await sim.stop();
    },
  };
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
