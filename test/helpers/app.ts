// The whole bridge in-process (startApp, config written as a user would and read through the
// real loader) against a simulated radio the test controls, with every log line captured so a
// test can await one. startRig is the same harness with the fault tests' defaults.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  storePath: string;
  /** Every log line, JSON, as written. */
  logs: string[];
  /** Resolves once a log line contains `text` (already written ones count). */
  logged(text: string, ceilingMs?: number): Promise<string>;
  stop(): Promise<void>;
}
export type Rig = RunningBridge;

export interface RigOptions {
  sim?: SimRadioOptions;
  /** Runs before the app starts, e.g. to put a store file in place or change the radio it finds. */
  prepare?: (paths: { dir: string; storePath: string; sim: SimRadio }) => void;
  /**
   * The folder of config.yaml and keys.json, instead of a fresh one: a restart on the same
   * store (config.yaml is written anew from `config`: an edited file). Kept at stop; the
   * caller removes it.
   */
  dir?: string;
  /** The environment the config loader reads (MESHTASTIC_KEYSYNC_*); default none. */
  env?: NodeJS.ProcessEnv;
}

/** `config` is merged over a radio pointing at the simulator (30 nodes), an embedded broker on port 0 and log level warn. */
export function startBridge(config: Record<string, unknown> = {}, simOptions: SimRadioOptions = {}): Promise<RunningBridge> {
  return start(merge({ log_level: "warn" }, config), { sim: { nodes: 30, ...simOptions } });
}

/** The fault tests' defaults: debug logs (they await them) and a 20-node radio. */
export function startRig(config: Record<string, unknown> = {}, options: RigOptions = {}): Promise<Rig> {
  return start(merge({ log_level: "debug" }, config), { ...options, sim: { nodes: 20, ...options.sim } });
}

async function start(config: Record<string, unknown>, options: RigOptions): Promise<RunningBridge> {
  const sim = new SimRadio({ port: 0, ...options.sim });
  const address = await sim.start();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "keysync-bridge-"));
  const storePath = join(dir, "keys.json");
  options.prepare?.({ dir, storePath, sim });
  const base = { radio: { host: address.host, port: address.port }, embedded_broker: { port: 0 }, store: { path: storePath } };
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify(merge(base, config)));
  const loaded = loadConfig({ path: file, env: options.env ?? {}, cwd: dir });
  const logs: string[] = [];
  const waiters: { text: string; resolve: (line: string) => void }[] = [];
  const destination = {
    write(line: string): void {
      logs.push(line);
      for (const w of [...waiters]) {
        if (!line.includes(w.text)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    },
  };
  const logger = createLogger(loaded.config.log_level, { format: "json", destination });
  const app = await startApp(loaded.config, { logger, demo: false, configPath: file, sources: loaded.sources });
  return {
    app,
    sim,
    mqttUrl: app.addresses.mqtt,
    dir,
    storePath,
    logs,
    logged(text, ceilingMs = 20_000) {
      const seen = logs.find((l) => l.includes(text));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no log line with "${text}" within ${ceilingMs} ms`)), ceilingMs);
        waiters.push({ text, resolve: (line) => (clearTimeout(timer), resolve(line)) });
      });
    },
    async stop() {
      await app.stop();
      await sim.stop();
      if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? merge(prev, v) : v;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
