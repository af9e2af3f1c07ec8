// Child process: the real bridge (dist/app.js startApp) built from a config file exactly as
// the CLI builds it, so its memory can be read on its own. Run with --expose-gc.
import { startApp } from "../../dist/app.js";
import { loadConfig } from "../../dist/config/load.js";
import { createLogger } from "../../dist/log.js";
import { serveRequests } from "./children.mjs";
import { sleep } from "./time.mjs";

const configPath = process.argv[2];
// No environment overrides: a stray MESHTASTIC_KEYSYNC_* variable must not change the bench.
const { config, sources } = loadConfig({ path: configPath, env: {}, cwd: process.cwd() });
const logger = createLogger(config.log_level, { format: "json" });
const app = await startApp(config, { logger, demo: false, configPath, sources });

serveRequests(
  {
    /** CPU time this process has used so far (user + system), in ms, and its wake-ups (voluntary context switches). */
    cpu: () => {
      const { user, system } = process.cpuUsage();
      return { ms: (user + system) / 1000, wakes: process.resourceUsage().voluntaryContextSwitches };
    },
    /** Memory after full collections (two, with a pause, so finalizers and weak maps settle). */
    memory: async () => {
      globalThis.gc();
      await sleep(50);
      globalThis.gc();
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
    },
  },
  () => app.stop(),
);
process.send({ type: "ready", mqtt: app.addresses.mqtt, api: app.addresses.api, metrics: app.addresses.metrics });
