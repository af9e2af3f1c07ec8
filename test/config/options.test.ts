import { describe, expect, it } from "vitest";
import { redactConfig, loadConfig } from "../../src/config/load.js";
import { CONFIG_GROUPS, CONFIG_OPTIONS, ENV_PREFIX, envName } from "../../src/config/options.js";
import { configSchema } from "../../src/config/schema.js";
import { workDir } from "./helpers.js";

describe("the option list", () => {
  it("gives every option a unique environment variable", () => {
    const names = [...CONFIG_OPTIONS.map((o) => o.env), ...CONFIG_GROUPS.map((g) => g.env)];
    expect(new Set(names).size).toBe(names.length);
    for (const option of CONFIG_OPTIONS) {
      expect(option.env).toBe(envName(option.path));
      expect(option.env.startsWith(ENV_PREFIX)).toBe(true);
      expect(option.description.length).toBeGreaterThan(5);
    }
  });

  it("lists the defaults the schema applies", () => {
    const parsed = configSchema.parse({}) as unknown as Record<string, Record<string, unknown>>;
    for (const option of CONFIG_OPTIONS) {
      const value = option.path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], parsed);
      expect([option.path, value]).toEqual([option.path, option.default]);
    }
  });

  it("covers the keys of CONTRACT.md", () => {
    const paths = CONFIG_OPTIONS.map((o) => o.path);
    for (const path of ["radio.host", "sync.source.proxy", "sync.on_demand_max_per_minute", "mqtt.tls.reject_unauthorized", "homeassistant.watch", "store.path", "log_level", "share.trust", "push.max_per_hour"]) {
      expect(paths).toContain(path);
    }
    expect(CONFIG_OPTIONS.find((o) => o.path === "sync.strategy")?.values).toEqual(["inband", "connection"]);
  });
});

describe("redactConfig", () => {
  it("hides passwords, also inside the server URL, and leaves the original alone", () => {
    const { config } = loadConfig({
      env: {},
      cwd: workDir(
        "radio: {host: r}\nmqtt: {server: 'mqtt://u:hunter2@broker:1883', username: u, password: hunter2, tls: {key: /k.pem, cert: /c.pem}}\n",
      ),
    });
    const shown = redactConfig(config);
    expect(shown.mqtt.password).toBe("***");
    expect(shown.mqtt.server).toBe("mqtt://u:***@broker:1883");
    expect(shown.mqtt.tls.key).toBe("/k.pem");
    expect(JSON.stringify(shown)).not.toContain("hunter2");
    expect(config.mqtt.password).toBe("hunter2");
  });

  it("hides the embedded broker's password and leaves unset ones unset", () => {
    const { config } = loadConfig({ env: { MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_USERNAME: "u", MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PASSWORD: "pw" }, cwd: workDir() });
    const shown = redactConfig(config);
    expect(shown.embedded_broker.password).toBe("***");
    expect(shown.mqtt.password).toBeUndefined();
  });
});
