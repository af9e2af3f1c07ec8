// The whole bridge in-process (startApp, config through the real loader) against a simulated
// radio, with every log line captured, for the fault tests that search or await logs.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startApp, type AppHandle } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { SimRadio, type SimRadioOptions } from "../../src/sim/index.js";

export interface Rig {
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

export interface RigOptions {
  sim?: SimRadioOptions;
  /** Runs before the app starts, e.g. to put a store file in place. */
  prepare?: (paths: { dir: string; storePath: string }) => void;
}

export async function startRig(config: Record<string, unknown> = {}, options: RigOptions = {}): Promise<Rig> {
  const radio = new SimRadio({ port: 0, nodes: 20, ...options.sim });
  const address = await radio.start();
  const dir = mkdtempSync(join(tmpdir(), "keysync-faults-"));
  const storePath = join(dir, "keys.json");
  options.prepare?.({ dir, storePath });
  const base = {
    radio: { host: address.host, port: address.port },
    embedded_broker: { port: 0 },
    store: { path: storePath },
    log_level: "debug",
  };
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify(merge(base, config)));
  const loaded = loadConfig({ path: file, env: {}, cwd: dir });
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
  const app = await startApp(loaded.config, { logger, demo: false, configPath: file });
  return {
    app,
    sim: radio,
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
      await radio.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    const objects = [prev, v].every((x) => typeof x === "object" && x !== null && !Array.isArray(x));
    out[k] = objects ? merge(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}
