#!/usr/bin/env node
// Reconnects per minute of the bridge against a Mosquitto whose max_packet_size is smaller
// than some of what the bridge publishes (Home Assistant discovery, bridge/info), for the
// closing note of issue 18. Not part of `npm run bench` (it runs for minutes by design).
//
//   node bench/mqtt-reconnects.mjs [--dist DIR] [--seconds S] [--max-packet-size BYTES] [--client-3.1.1]
//
// --dist             the built code to measure (default ./dist; an older build measures "before")
// --seconds          how long to watch (default 60)
// --max-packet-size  Mosquitto's max_packet_size (default 1024)
// --client-3.1.1     instead of the whole bridge, its MQTT client forced to MQTT 3.1.1 (where
//                    the broker announces no maximum), republishing a too-large retained
//                    message on every connect as the bridge does
//
// Prints one line: connections made, reconnects per minute, and what bridge/health says.
// Everything binds to 127.0.0.1; Mosquitto gets a free port and a config in a temp dir.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, accessSync, constants } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    dist: { type: "string", default: "dist" },
    seconds: { type: "string", default: "60" },
    "max-packet-size": { type: "string", default: "1024" },
    "client-3.1.1": { type: "boolean", default: false },
  },
});
const dist = pathToFileURL(`${resolve(values.dist)}/`);
const seconds = Number(values.seconds);
const maxPacketSize = Number(values["max-packet-size"]);
const load = (path) => import(new URL(path, dist).href);

function mosquittoBinary() {
  for (const dir of [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"]) {
    try {
      accessSync(join(dir, "mosquitto"), constants.X_OK);
      return join(dir, "mosquitto");
    } catch {
      // not here
    }
  }
  throw new Error("mosquitto not found: run scripts/ensure-package.sh mosquitto mosquitto --service");
}

async function freePort() {
  const server = createServer();
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  await new Promise((ok) => server.close(ok));
  return port;
}

async function startMosquitto(dir) {
  const port = await freePort();
  const config = join(dir, "mosquitto.conf");
  writeFileSync(config, [`listener ${port} 127.0.0.1`, "allow_anonymous true", "persistence false", "user root", `max_packet_size ${maxPacketSize}`, ""].join("\n"));
  const child = spawn(mosquittoBinary(), ["-c", config], { stdio: "ignore" });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((ok) => connect(port, "127.0.0.1").once("connect", function () { this.destroy(); ok(true); }).once("error", () => ok(false)));
    if (up) return { child, url: `mqtt://127.0.0.1:${port}` };
    await new Promise((ok) => setTimeout(ok, 25));
  }
  throw new Error("mosquitto did not start");
}

const dir = mkdtempSync(join(tmpdir(), "keysync-reconnects-"));
const broker = await startMosquitto(dir);
let connects = 0;
let lastHealth = null;
const logLines = {
  write(line) {
    if (line.includes('"msg":"MQTT connected')) connects++;
  },
};
let stop;
try {
  if (values["client-3.1.1"]) {
    const { BridgeMqttClient } = await load("mqtt/client.js");
    const republish = () => {
      connects++;
      client.publishRetained("reconnects/bridge/info", "i".repeat(maxPacketSize * 2), { force: true });
    };
    // Builds before issue 11 took an onConnect hook and spoke MQTT 3.1.1 only; later ones emit "connect".
    const client = new BridgeMqttClient({ url: broker.url, baseTopic: "reconnects", protocolVersion: 4, onConnect: republish });
    if (typeof client.on === "function") {
      client.on("connect", republish);
      client.on("health", (h) => (lastHealth = h.mqtt));
    }
    client.start();
    stop = () => client.stop();
  } else {
    const { SimRadio } = await load("sim/index.js");
    const { loadConfig } = await load("config/load.js");
    const { createLogger } = await load("log.js");
    const { startApp } = await load("app.js");
    const sim = new SimRadio({ port: 0, nodes: 20 });
    const address = await sim.start();
    const file = join(dir, "config.yaml");
    writeFileSync(file, `radio: {host: 127.0.0.1, port: ${address.port}}\nmqtt: {server: "${broker.url}"}\nstore: {path: "${join(dir, "keys.json")}"}\nlog_level: info\n`);
    const loaded = loadConfig({ path: file, env: {}, cwd: dir });
    const app = await startApp(loaded.config, { logger: createLogger("info", { format: "json", destination: logLines }), demo: false, configPath: file, sources: loaded.sources });
    const mqtt = (await import("mqtt")).default;
    const watcher = await mqtt.connectAsync(broker.url, { protocolVersion: 4, reconnectPeriod: 0 });
    watcher.on("message", (_, payload) => {
      try {
        lastHealth = JSON.parse(payload.toString()).mqtt;
      } catch {
        // cleared
      }
    });
    await watcher.subscribeAsync("meshtastic-keysync/bridge/health");
    stop = async () => {
      await watcher.endAsync(true);
      await app.stop();
      await sim.stop();
    };
  }
  await new Promise((ok) => setTimeout(ok, seconds * 1000));
} finally {
  await stop?.();
  broker.child.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
}
const perMinute = (Math.max(0, connects - 1) / seconds) * 60;
const mode = values["client-3.1.1"] ? "client forced to MQTT 3.1.1" : "whole bridge";
process.stdout.write(
  `${mode}, dist ${values.dist}, max_packet_size ${maxPacketSize}, ${seconds} s: ${connects} connections, ${perMinute.toFixed(1)} reconnects/min; bridge/health: ${lastHealth === null ? "none" : JSON.stringify(lastHealth)}\n`,
);
process.exit(0);
