// The Home Assistant add-on (addon/, repository.yaml), checked without a Supervisor or Docker:
// its options are the config schema's (a schema change without regenerating them fails
// here), the repository layout is what the Supervisor reads, and the start script turns an
// options file into a config file the bridge accepts, with the Supervisor's MQTT service
// (a loopback stand-in) as the broker when no mqtt_server is set.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { addonKey, addonOffers, addonOptions, configFromAddonOptions } from "../../src/config/addon.js";
import { loadConfig } from "../../src/config/load.js";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { configSchema } from "../../src/config/schema.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");
const addon = parse(read("addon/config.yaml")) as Record<string, unknown> & { options: Record<string, unknown>; schema: Record<string, unknown>; arch: string[] };
const version = (JSON.parse(read("package.json")) as { version: string }).version;

describe("the add-on's options", () => {
  it("are the config schema's options as generated now (run scripts/gen-addon-config.mjs after a schema change)", () => {
    const { options, schema } = addonOptions();
    expect(addon.schema).toEqual(schema);
    expect(addon.options).toEqual(options);
    expect(addon.version).toBe(version);
  });

  it("offer every config option but the store path and the embedded broker, each under its path with _", () => {
    const offered = CONFIG_OPTIONS.filter(addonOffers).map((o) => addonKey(o.path));
    expect(Object.keys(addon.schema)).toEqual(offered);
    for (const key of ["radio_host", "radio_serial", "sync_interval", "mqtt_server", "homeassistant_watch", "push_enabled"]) expect(addon.schema).toHaveProperty(key);
    expect(Object.keys(addon.schema).filter((k) => k.startsWith("store_") || k.startsWith("embedded_broker_"))).toEqual([]);
    // The password is masked in the Supervisor's editor.
    expect(addon.schema.mqtt_password).toBe("password?");
  });

  it("type every number as int, which holds while every number option of the schema is an integer", () => {
    const json = JSON.stringify(z.toJSONSchema(configSchema, { io: "input" }));
    expect(json).not.toMatch(/"type":"number"/);
  });
});

describe("the add-on repository", () => {
  it("has repository.yaml and one add-on with a build for each architecture it names", () => {
    const repository = parse(read("repository.yaml")) as { name: string; url: string };
    expect(repository.name).toMatch(/KeySync/);
    const build = parse(read("addon/build.yaml")) as { build_from: Record<string, string>; args: { KEYSYNC_SOURCE: string } };
    expect(Object.keys(build.build_from).sort()).toEqual([...addon.arch].sort());
    for (const [arch, image] of Object.entries(build.build_from)) expect(image).toMatch(new RegExp(`^ghcr\\.io/home-assistant/${arch}-base:`));
    // The source the image is built from is this repository at the add-on's version.
    expect(build.args.KEYSYNC_SOURCE.startsWith(`${repository.url}/`)).toBe(true);
    expect(build.args.KEYSYNC_SOURCE).toContain(`v${version}.tar.gz`);
    expect(addon).toMatchObject({ slug: "meshtastic_keysync", init: false, uart: true, services: ["mqtt:want"] });
  });

  it("builds on Home Assistant's base image with the README's build commands, from files the add-on folder holds", () => {
    const dockerfile = read("addon/Dockerfile");
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms.at(-1)).toBe("$BUILD_FROM");
    expect(dockerfile).toContain("npm ci && npm run build");
    // The Supervisor's build context is addon/: what is copied from it must be there.
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(\S+)/gm)].map((m) => m[1]!);
    expect(copied.sort()).toEqual(["options-to-config.mjs", "run.sh"]);
    for (const file of copied) expect(() => read(`addon/${file}`)).not.toThrow();
    expect(read("addon/run.sh")).toContain("exec node /app/bin/meshtastic-keysync.js --config /data/config.yaml");
  });
});

describe("the add-on's start", () => {
  let dir: string;
  let server: Server;
  let supervisor: string;
  const asked: string[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), "keysync-addon-"));
    // The Supervisor's services API as the Mosquitto add-on fills it.
    server = createServer((req, res) => {
      asked.push(`${req.method} ${req.url} ${req.headers.authorization}`);
      res.setHeader("content-type", "application/json");
      if (req.url !== "/services/mqtt" || req.headers.authorization !== "Bearer t0ken") return void res.writeHead(401).end("{}");
      res.end(JSON.stringify({ result: "ok", data: { addon: "core_mosquitto", host: "core-mosquitto", port: 1883, ssl: false, protocol: "3.1.1", username: "addons", password: "s3cret" } }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    supervisor = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs addon/options-to-config.mjs on `options`; its exit code, output and the config it wrote. */
  async function start(name: string, options: Record<string, unknown>): Promise<{ code: number | null; out: string; file: string }> {
    const optionsFile = path.join(dir, `${name}.options.json`);
    const file = path.join(dir, `${name}.config.yaml`);
    writeFileSync(optionsFile, JSON.stringify(options));
    const child = spawn(process.execPath, [path.join(ROOT, "addon/options-to-config.mjs")], {
      env: { PATH: process.env.PATH, ADDON_OPTIONS: optionsFile, ADDON_CONFIG: file, SUPERVISOR_URL: supervisor, SUPERVISOR_TOKEN: "t0ken" },
    });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    return { code, out, file };
  }

  it("turns the options the Supervisor writes (defaults plus the user's) into a config the bridge accepts, on the Mosquitto add-on's broker", async () => {
    const options = { ...addonOptions().options, radio_host: "192.168.1.40", homeassistant_watch: ["!A76F40DA"], push_enabled: true };
    const { code, out, file } = await start("service", options);
    expect(code, out).toBe(0);
    expect(out).not.toContain("s3cret");
    const loaded = loadConfig({ path: file, env: {}, cwd: dir });
    expect(loaded.source).toBe("file");
    expect(loaded.config.radio).toMatchObject({ host: "192.168.1.40", port: 4403 });
    expect(loaded.config.mqtt).toMatchObject({ server: "mqtt://core-mosquitto:1883", username: "addons", password: "s3cret", base_topic: "meshtastic-keysync" });
    expect(loaded.config.store.path).toBe("/data/keys.json");
    expect(loaded.config.homeassistant.watch).toEqual(["!a76f40da"]);
    expect(loaded.config.push.enabled).toBe(true);
    expect(asked).toEqual(["GET /services/mqtt Bearer t0ken"]);
  });

  it("uses the user's own broker without asking the Supervisor", async () => {
    asked.length = 0;
    const options = { ...addonOptions().options, radio_serial: "/dev/serial/by-id/usb-radio", mqtt_server: "mqtt://10.0.0.2:1883", mqtt_username: "me" };
    const { code, out, file } = await start("own", options);
    expect(code, out).toBe(0);
    const loaded = loadConfig({ path: file, env: {}, cwd: dir });
    expect(loaded.config.radio.serial).toBe("/dev/serial/by-id/usb-radio");
    expect(loaded.config.mqtt).toMatchObject({ server: "mqtt://10.0.0.2:1883", username: "me" });
    expect(loaded.config.mqtt.password).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("refuses an option the add-on does not know, naming it", async () => {
    const { code, out } = await start("unknown", { ...addonOptions().options, radio_host: "x", radio_hots: "typo" });
    expect(code).toBe(1);
    expect(out).toContain("radio_hots");
  });

  it("the rules alone: unset options are left to the bridge's defaults; no service and no server leaves mqtt unset", () => {
    const { config, unknown } = configFromAddonOptions({ radio_host: "r", radio_serial: "", mqtt_tls_ca: null, sync_interval: 600 }, null);
    expect(unknown).toEqual([]);
    expect(config).toEqual({ radio: { host: "r" }, sync: { interval: 600 }, store: { path: "/data/keys.json" } });
    const tls = configFromAddonOptions({}, { host: "broker", port: 8883, ssl: true });
    expect(tls.config.mqtt).toEqual({ server: "mqtts://broker:8883" });
  });
});
