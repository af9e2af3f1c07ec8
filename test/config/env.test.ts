import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { workDir } from "./helpers.js";

const FILE = "radio:\n  host: from-file\nsync:\n  interval: 600\n";

function load(env: NodeJS.ProcessEnv, yaml: string = FILE) {
  return loadConfig({ env, cwd: workDir(yaml) });
}

function problems(env: NodeJS.ProcessEnv, yaml: string = FILE): string[] {
  try {
    load(env, yaml);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("environment overrides", () => {
  it("wins over the file", () => {
    const { config } = load({ MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "900", MESHTASTIC_KEYSYNC_RADIO_HOST: "from-env" });
    expect(config.sync.interval).toBe(900);
    expect(config.radio.host).toBe("from-env");
  });

  it("maps names whose keys contain underscores by the known paths", () => {
    const { config } = load({
      MESHTASTIC_KEYSYNC_MQTT_BASE_TOPIC: "site/keys",
      MESHTASTIC_KEYSYNC_SYNC_ON_DEMAND: "false",
      MESHTASTIC_KEYSYNC_SYNC_ON_DEMAND_MAX_PER_MINUTE: "3",
      MESHTASTIC_KEYSYNC_SYNC_SOURCE_HOST: "proxy.local",
      MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: "0",
      MESHTASTIC_KEYSYNC_MQTT_TLS_REJECT_UNAUTHORIZED: "FALSE",
      MESHTASTIC_KEYSYNC_LOG_LEVEL: "debug",
    });
    expect(config.mqtt.base_topic).toBe("site/keys");
    expect(config.sync.on_demand).toBe(false);
    expect(config.sync.on_demand_max_per_minute).toBe(3);
    expect(config.sync.source.host).toBe("proxy.local");
    expect(config.embedded_broker.port).toBe(0);
    expect(config.mqtt.tls.reject_unauthorized).toBe(false);
    expect(config.log_level).toBe("debug");
  });

  it("keeps text options as text even when they look like numbers", () => {
    const { config } = load({ MESHTASTIC_KEYSYNC_MQTT_PASSWORD: "123456", MESHTASTIC_KEYSYNC_MQTT_USERNAME: "true" });
    expect(config.mqtt.password).toBe("123456");
    expect(config.mqtt.username).toBe("true");
  });

  it("reads lists and mappings as JSON, the options of a mapping refining it", () => {
    const { config } = load({
      MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: '["!a76f40da"]',
      MESHTASTIC_KEYSYNC_SYNC: '{"interval": 120, "key_change": "pin"}',
      MESHTASTIC_KEYSYNC_SYNC_KEY_CHANGE: "alert",
    });
    expect(config.homeassistant.watch).toEqual(["!a76f40da"]);
    expect(config.sync.interval).toBe(120);
    expect(config.sync.key_change).toBe("alert");
  });

  it("names the variable a bad value came from", () => {
    expect(problems({ MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "5" })).toEqual(["sync.interval: 5 is below the minimum 30 (from MESHTASTIC_KEYSYNC_SYNC_INTERVAL)"]);
    expect(problems({ MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "soon" })).toEqual([
      'sync.interval: "soon" is not a number (from MESHTASTIC_KEYSYNC_SYNC_INTERVAL)',
    ]);
    expect(problems({ MESHTASTIC_KEYSYNC_SEND_ENABLED: "on" })).toEqual(['send.enabled: "on" is not true or false (from MESHTASTIC_KEYSYNC_SEND_ENABLED)']);
    expect(problems({ MESHTASTIC_KEYSYNC_SYNC_SOURCE: '{"hots": "x"}' })).toEqual([
      "sync.source.hots: unknown option (did you mean sync.source.host?) (from MESHTASTIC_KEYSYNC_SYNC_SOURCE)",
    ]);
  });

  it("reports a list that is not JSON", () => {
    expect(problems({ MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: "!a76f40da" })).toEqual([
      'MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: "!a76f40da" is not valid JSON (lists and mappings are given as JSON, e.g. ["!a76f40da"])',
    ]);
  });

  it("refuses an unknown MESHTASTIC_KEYSYNC_ variable, also in demo mode", () => {
    const expected = [
      "MESHTASTIC_KEYSYNC_SYNC_INTERVALL: unknown variable (did you mean MESHTASTIC_KEYSYNC_SYNC_INTERVAL?); MESHTASTIC_KEYSYNC_* variables set config options, see --help",
    ];
    expect(problems({ MESHTASTIC_KEYSYNC_SYNC_INTERVALL: "600" })).toEqual(expected);
    expect(() => loadConfig({ env: { MESHTASTIC_KEYSYNC_SYNC_INTERVALL: "600" }, cwd: workDir() })).toThrow(ConfigError);
  });

  it("ignores empty variables and variables of other programs", () => {
    const { config } = load({ MESHTASTIC_KEYSYNC_SYNC_INTERVAL: "", MESHTASTIC_KEYSYNC_NOPE: "", MESHTASTIC_HOST: "x", PATH: "/bin" });
    expect(config.sync.interval).toBe(600);
  });

  it("sets a config file's missing radio.host", () => {
    expect(load({ MESHTASTIC_KEYSYNC_RADIO_HOST: "10.1.1.1" }, "sync: {interval: 60}\n").config.radio.host).toBe("10.1.1.1");
  });

  it("refuses lists and mappings nested deeper than the config could be, naming the variable", () => {
    const deep = (n: number, open = "[", close = "]") => `${open.repeat(n)}${close.repeat(n)}`;
    expect(problems({ MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: deep(30_000) })).toEqual([
      "MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: nested deeper than 16 levels; config lists and mappings are at most a few levels deep",
    ]);
    expect(problems({ MESHTASTIC_KEYSYNC_MQTT_TLS: `${'{"a":'.repeat(17)}1${"}".repeat(17)}` })[0]).toMatch(/^MESHTASTIC_KEYSYNC_MQTT_TLS: nested deeper than 16 levels/);
    // Brackets inside strings are text, not nesting.
    expect(load({ MESHTASTIC_KEYSYNC_SHARE_TRUST: JSON.stringify(["[".repeat(100)]) }).config.share.trust).toEqual(["[".repeat(100)]);
  });
});
