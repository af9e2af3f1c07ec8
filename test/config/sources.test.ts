// Where each option's value came from, as the loader reports it (LoadedConfig.sources).
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { workDir } from "./helpers.js";

const FILE = ["radio:", "  host: 10.0.0.2", "sync:", "  interval: 600", "  enabled:", "mqtt:", "  base_topic: mesh"].join("\n");

describe("config value sources", () => {
  it("names default, file and env for every option; a key without a value is a default", () => {
    const { sources } = loadConfig({ env: { MESHTASTIC_KEYSYNC_SYNC_ENABLED: "false", MESHTASTIC_KEYSYNC_LOG_LEVEL: "debug" }, cwd: workDir(FILE) });
    expect(Object.keys(sources).sort()).toEqual(CONFIG_OPTIONS.map((o) => o.path).sort());
    expect(sources).toMatchObject({
      "radio.host": "file",
      "sync.interval": "file",
      "mqtt.base_topic": "file",
      "sync.enabled": "env",
      log_level: "env",
      "radio.port": "default",
      "sync.initial_delay": "default",
    });
  });

  it("the environment wins over the file for the same option", () => {
    const { sources, config } = loadConfig({ env: { MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "900" }, cwd: workDir(FILE) });
    expect(config.sync.interval).toBe(900);
    expect(sources["sync.interval"]).toBe("env");
  });

  it("a mapping from the environment replaces the file's: what it names is env, what it lacks a default", () => {
    const { sources, config } = loadConfig({ env: { MESHTASTIC_KEYSYNC_SYNC: '{"enabled": false}' }, cwd: workDir(FILE) });
    expect(config.sync.interval).toBe(300);
    expect(sources["sync.interval"]).toBe("default");
    expect(sources["sync.enabled"]).toBe("env");
  });

  it("demo mode: the values the loader chooses itself are defaults", () => {
    const { sources, source } = loadConfig({ env: { MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: "0" }, cwd: workDir() });
    expect(source).toBe("demo");
    expect(sources["radio.host"]).toBe("default");
    expect(sources["store.path"]).toBe("default");
    expect(sources["embedded_broker.port"]).toBe("env");
  });
});
