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
import { onTestFinished } from "vitest";
import { wantConfig } from "../../src/protocol/messages.js";
import type { SimRadio } from "../../src/sim/index.js";
import { TestClient } from "../sim/client.js";
import { Observer, json } from "./mqtt.js";
import { ptyPair, type PtyPair } from "./pty-pair.js";

const SERIAL_BASE = "meshtastic-keysync";

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

export interface SerialApiBridge {
  bridge: SerialBridge;
  observer: Observer;
  /** The API server's port. */
  port: number;
  /** A raw API client with its handshake done (nonce `nonce`). */
  client(nonce: number): Promise<TestClient>;
}

/**
 * `sim` on a pseudo-terminal, the bridge on the other end with the API server on, an observer
 * under its base topic; resolved once the first sync is out. Everything closes when the test
 * finishes, clients first.
 */
export async function startSerialApiBridge(sim: SimRadio): Promise<SerialApiBridge> {
  const bridge = await startSerialBridge((path) => sim.serveSerial(path), { api_server: { enabled: true, port: 0 } });
  const observer = await Observer.connect(bridge.mqttUrl, [`${SERIAL_BASE}/#`]);
  const clients: TestClient[] = [];
  onTestFinished(async () => {
    for (const c of clients) await c.close();
    await observer.close();
    await bridge.stop();
    await sim.stop();
  });
  await observer.next(`${SERIAL_BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
  const port = Number(bridge.app.addresses.api?.split(":").at(-1));
  return {
    bridge,
    observer,
    port,
    async client(nonce) {
      const c = await TestClient.connect(port);
      clients.push(c);
      c.send(wantConfig(nonce));
      await c.waitComplete(nonce);
      return c;
    },
  };
}
