// The whole bridge in-process (startApp, config through the real loader) with its radio on a
// real pseudo-terminal: radio.serial names the bridge's end of a socat pair, and `radio`
// serves the other end (the simulated radio, or anything else that speaks the API).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { startApp, type AppHandle } from "../../src/app.js";
import { loadConfig } from "../../src/config/load.js";
import { createLogger } from "../../src/log.js";
import { ptyPair, type PtyPair } from "./pty-pair.js";

export interface SerialBridge {
  app: AppHandle;
  pair: PtyPair;
  mqttUrl: string;
  /** Every log line, JSON, as written. */
  logs: string[];
  /** Resolves with the first log line (already written or still to come) that contains `text`. */
  logLine(text: string): Promise<string>;
  stop(): Promise<void>;
}

/** `serve` is called with the radio's end before the bridge starts, as a radio is plugged in first. */
export async function startSerialBridge(serve: (path: string) => void, config: Record<string, unknown> = {}): Promise<SerialBridge> {
  const pair = await ptyPair();
  serve(pair.radio);
  const dir = mkdtempSync(join(tmpdir(), "keysync-serial-bridge-"));
  const file = join(dir, "config.yaml");
  const base = {
    radio: { serial: pair.bridge },
    embedded_broker: { port: 0 },
    store: { path: join(dir, "keys.json") },
    log_level: "debug",
  };
  writeFileSync(file, stringify({ ...base, ...config, radio: { ...base.radio, ...(config.radio as object | undefined) } }));
  const loaded = loadConfig({ path: file, env: {}, cwd: dir });
  const logs: string[] = [];
  const waiters: { text: string; resolve: (line: string) => void }[] = [];
  const write = (line: string): void => {
    logs.push(line);
    for (const waiter of waiters.filter((w) => line.includes(w.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  const logLine = (text: string): Promise<string> => {
    const seen = logs.find((line) => line.includes(text));
    return seen !== undefined ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ text, resolve }));
  };
  const logger = createLogger(loaded.config.log_level, { format: "json", destination: { write } });
  const app = await startApp(loaded.config, { logger, demo: false, configPath: file, sources: loaded.sources });
  return {
    app,
    pair,
    mqttUrl: app.addresses.mqtt,
    logs,
    logLine,
    stop: async () => {
      await app.stop();
      await pair.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
