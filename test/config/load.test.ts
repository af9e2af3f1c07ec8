import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/load.js";
import { problemsOf, workDir } from "./helpers.js";

function loadFile(yaml: string, env: NodeJS.ProcessEnv = {}) {
  return loadConfig({ env, cwd: workDir(yaml) });
}

function fileProblems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  return problemsOf(() => loadFile(yaml, env));
}

describe("choosing the config source", () => {
  it("runs the demo without any config file: simulator, embedded broker, memory-only store", () => {
    const loaded = loadConfig({ env: {}, cwd: workDir() });
    expect(loaded.source).toBe("demo");
    expect(loaded.path).toBeNull();
    expect(loaded.config.radio.host).toBe("simulator");
    expect(loaded.config.mqtt.server).toBeUndefined();
    expect(loaded.config.store.path).toBeNull();
  });

  it("applies environment overrides in demo mode", () => {
    const loaded = loadConfig({ env: { MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: "0", MESHTASTIC_KEYSYNC_LOG_LEVEL: "debug" }, cwd: workDir() });
    expect(loaded.source).toBe("demo");
    expect(loaded.config.embedded_broker.port).toBe(0);
    expect(loaded.config.store.path).toBeNull();
  });

  it("never sends the demo's simulated keys to a real broker or key file unless the simulator is chosen", () => {
    let problems: string[] = [];
    try {
      loadConfig({ env: { MESHTASTIC_KEYSYNC_MQTT_SERVER: "mqtt://10.0.0.5:1883", MESHTASTIC_KEYSYNC_STORE_PATH: "/tmp/k.json" }, cwd: workDir() });
    } catch (error) {
      problems = (error as ConfigError).problems.map((p) => p.field);
    }
    expect(problems).toEqual(["MESHTASTIC_KEYSYNC_MQTT_SERVER", "MESHTASTIC_KEYSYNC_STORE_PATH"]);
    const chosen = loadConfig({ env: { MESHTASTIC_KEYSYNC_RADIO_HOST: "simulator", MESHTASTIC_KEYSYNC_MQTT_SERVER: "mqtt://10.0.0.5:1883" }, cwd: workDir() });
    expect(chosen.source).toBe("demo");
    expect(chosen.config.mqtt.server).toBe("mqtt://10.0.0.5:1883");
  });

  it("keeps a persistent store when the environment alone names a real radio", () => {
    const loaded = loadConfig({ env: { MESHTASTIC_KEYSYNC_RADIO_HOST: "10.0.0.2" }, cwd: workDir() });
    expect(loaded.source).toBe("env");
    expect(loaded.config.radio.host).toBe("10.0.0.2");
    expect(loaded.config.store.path).toBe("./data/keys.json");
  });

  it("reads ./config.yaml from the working directory", () => {
    const cwd = workDir("radio:\n  host: 192.168.1.38\n");
    const loaded = loadConfig({ env: {}, cwd });
    expect(loaded.source).toBe("file");
    expect(loaded.path).toBe(path.join(cwd, "config.yaml"));
    expect(loaded.config.radio.host).toBe("192.168.1.38");
    expect(loaded.config.store.path).toBe("./data/keys.json");
  });

  it("prefers --config (relative to cwd) over ./config.yaml", () => {
    const cwd = workDir("radio:\n  host: from-default\n");
    writeFileSync(path.join(cwd, "other.yaml"), "radio:\n  host: from-option\n");
    const loaded = loadConfig({ path: "other.yaml", env: {}, cwd });
    expect(loaded.config.radio.host).toBe("from-option");
    expect(loaded.path).toBe(path.join(cwd, "other.yaml"));
  });

  it("reports a --config file that cannot be read", () => {
    expect(problemsOf(() => loadConfig({ path: "missing.yaml", env: {}, cwd: workDir() }))).toEqual([
      "missing.yaml: cannot read the config file: no such file",
    ]);
  });

  it("reports a ./config.yaml that exists but cannot be read", () => {
    const cwd = workDir();
    mkdirSync(path.join(cwd, "config.yaml"));
    expect(problemsOf(() => loadConfig({ env: {}, cwd }))).toEqual(["config.yaml: cannot read the config file: it is a directory"]);
  });

  it("requires radio.host in a config file, even an empty one", () => {
    const expected = 'radio.host: required in a config file; use "simulator" for the built-in simulated radio, or radio.serial for a radio on USB (config.yaml)';
    expect(fileProblems("sync:\n  interval: 600\n")).toEqual([expected]);
    expect(fileProblems("")).toEqual([expected]);
    expect(loadFile("", { MESHTASTIC_KEYSYNC_RADIO_HOST: "simulator" }).config.radio.host).toBe("simulator");
  });
});

describe("defaults", () => {
  it("fills every default of CONTRACT.md", () => {
    const { config } = loadFile("radio:\n  host: radio.local\n");
    expect(config.mqtt.client_id).toMatch(/^meshtastic-keysync-[0-9a-f]{6}$/);
    expect({ ...config, mqtt: { ...config.mqtt, client_id: "random" } }).toEqual({
      radio: { host: "radio.local", port: 4403, baud: 115200 },
      sync: {
        enabled: true,
        interval: 300,
        initial_delay: 0,
        strategy: "inband",
        source: { host: "radio.local", port: 4403, proxy: false },
        on_demand: true,
        on_demand_max_per_minute: 6,
        key_change: "alert",
      },
      send: { enabled: true, max_per_minute: 6, timeout: 30 },
      mqtt: { base_topic: "meshtastic-keysync", client_id: "random", tls: { reject_unauthorized: true } },
      api_server: { enabled: false, host: "127.0.0.1", port: 4403, max_clients: 8, admin: false, directory_nodes: false },
      embedded_broker: { host: "127.0.0.1", port: 1883 },
      homeassistant: { enabled: true, discovery_prefix: "homeassistant", status_topic: "homeassistant/status", node_entities: "watched", watch: [] },
      store: { path: "./data/keys.json" },
      log_level: "info",
      share: { enabled: false, topic: "meshtastic-keysync/directory", trust: ["*"] },
      push: { enabled: false, max_per_hour: 20 },
      uplink: { enabled: false, tls: { reject_unauthorized: true }, topics: ["msh/#"], channels: {}, max_per_minute: 600, trust: "claim" },
      metrics: { enabled: false, host: "127.0.0.1", port: 9464 },
    });
  });

  it("derives the client id from base_topic and keeps a given one", () => {
    expect(loadFile("radio: {host: r}\nmqtt: {base_topic: home/keys}\n").config.mqtt.client_id).toMatch(/^home\/keys-[0-9a-f]{6}$/);
    expect(loadFile("radio: {host: r}\nmqtt: {client_id: mine}\n").config.mqtt.client_id).toBe("mine");
  });

  it("treats a key without a value as not set", () => {
    const { config } = loadFile("radio:\n  host: r\n  port:\nsync:\nmqtt:\n  tls:\n");
    expect(config.radio.port).toBe(4403);
    expect(config.sync.interval).toBe(300);
  });
});

describe("validation", () => {
  it("names an unknown key, suggests the near one and points at its line", () => {
    expect(fileProblems("radio:\n  host: r\nsync:\n  intervall: 600\n")).toEqual([
      "sync.intervall: unknown option (did you mean sync.interval?) (config.yaml line 4)",
    ]);
  });

  it("lists the options of the mapping when an unknown key is not a near miss", () => {
    const [problem] = fileProblems("radio:\n  host: r\n  colour: blue\n");
    expect(problem).toBe("radio.colour: unknown option; the options of radio are: host, port, serial, baud (config.yaml line 3)");
    expect(fileProblems("radio: {host: r}\nfoo: 1\n")[0]).toMatch(/^foo: unknown option; the top-level options are: radio, sync, /);
  });

  it("reports a value below the minimum with field, value and limit", () => {
    expect(fileProblems("radio: {host: r}\nsync:\n  interval: 5\n")).toEqual(["sync.interval: 5 is below the minimum 30 (config.yaml line 3)"]);
  });

  it("reports values above the maximum, of the wrong type and outside an enum", () => {
    const problems = fileProblems(
      ["radio: {host: r, port: 70000}", "sync: {interval: abc, initial_delay: 1.5, strategy: fast, enabled: yes please}", "log_level: verbose"].join("\n"),
    );
    expect(problems).toEqual([
      "radio.port: 70000 is above the maximum 65535 (config.yaml line 1)",
      'sync.enabled: "yes please" is not true or false (config.yaml line 2)',
      'sync.interval: "abc" is not a number (config.yaml line 2)',
      "sync.initial_delay: 1.5 is not a whole number (config.yaml line 2)",
      'sync.strategy: "fast" is not one of inband, connection (config.yaml line 2)',
      'log_level: "verbose" is not one of trace, debug, info, warn, error (config.yaml line 3)',
    ]);
  });

  it("asks for quotes when YAML made a number of a text", () => {
    expect(fileProblems("radio: {host: r}\nmqtt: {password: 123456}\n")).toEqual([
      'mqtt.password: 123456 is not a text; put it in quotes to keep it as written, e.g. "123456" (config.yaml line 2)',
    ]);
  });

  it("reports a mapping given as a plain value", () => {
    expect(fileProblems("radio: {host: r}\nsync: 5\n")).toEqual(["sync: 5 is not a mapping of options (key: value) (config.yaml line 2)"]);
  });

  it("reports invalid YAML with line and column and nothing else", () => {
    const [problem, ...rest] = fileProblems("radio:\n  host: r\nsync: [1, 2\nsend: {}\n");
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^config\.yaml: invalid YAML at line \d+, column \d+: /);
    expect(fileProblems("radio: 1\nradio: 2\n")).toEqual(["config.yaml: invalid YAML at line 2, column 1: Map keys must be unique"]);
  });

  it("refuses a file that is not a mapping", () => {
    expect(fileProblems("- radio\n- sync\n")).toEqual(["config.yaml: must be a mapping of options (key: value), not a list or a single value"]);
  });

  it("reads the gateway settings: share and push", () => {
    const { config } = loadFile("radio: {host: r}\nshare: {enabled: true, trust: [gw2]}\npush: {enabled: true, max_per_hour: 5}\n");
    expect(config.share).toMatchObject({ enabled: true, trust: ["gw2"], topic: "meshtastic-keysync/directory" });
    expect(config.push).toEqual({ enabled: true, max_per_hour: 5 });
    expect(fileProblems("radio: {host: r}\npush: {enabled: yes please}\n")[0]).toMatch(/^push\.enabled: /);
  });

  it("accepts strategy connection only with a confirmed multi-client proxy", () => {
    expect(fileProblems("radio: {host: r}\nsync: {strategy: connection}\n")).toEqual([
      'sync.strategy: "connection" against the bridge\'s own radio needs sync.source.proxy: true, confirming that it is a proxy serving several TCP clients (a radio serves only one and would drop the bridge\'s connection) (config.yaml line 2)',
    ]);
    const { config } = loadFile("radio: {host: r, port: 4000}\nsync: {strategy: connection, source: {proxy: true}}\n");
    expect(config.sync.source).toEqual({ host: "r", port: 4000, proxy: true });
    // Another host or port is not the bridge's own radio: no confirmation needed.
    expect(loadFile("radio: {host: r}\nsync: {strategy: connection, source: {host: proxy.lan}}\n").config.sync.source.host).toBe("proxy.lan");
    expect(loadFile("radio: {host: r}\nsync: {strategy: connection, source: {port: 4404}}\n").config.sync.source.port).toBe(4404);
  });

  it("needs both or neither of the embedded broker's username and password", () => {
    expect(fileProblems("radio: {host: r}\nembedded_broker: {username: u}\n")[0]).toMatch(
      /^embedded_broker\.password: must be set together with the other of username and password/,
    );
    expect(loadFile("radio: {host: r}\nembedded_broker: {username: u, password: p}\n").config.embedded_broker.password).toBe("p");
  });

  it("needs both or neither of the TLS client certificate and key", () => {
    expect(fileProblems("radio: {host: r}\nmqtt: {server: 'mqtts://b', tls: {cert: c.pem}}\n")[0]).toMatch(/^mqtt\.tls\.key: must be set together/);
  });

  it("checks MQTT topics and the broker URL", () => {
    const problems = fileProblems(
      "radio: {host: r}\nmqtt: {server: 'http://b', base_topic: 'a/+/b'}\nhomeassistant: {discovery_prefix: '$SYS', status_topic: 'a//b'}\nshare: {topic: '#'}\n",
    );
    expect(problems.map((p) => p.slice(0, p.indexOf(":")))).toEqual([
      "mqtt.server",
      "mqtt.base_topic",
      "homeassistant.discovery_prefix",
      "homeassistant.status_topic",
      "share.topic",
    ]);
    expect(problems[1]).toContain("is not a valid MQTT topic path");
    expect(loadFile("radio: {host: r}\nmqtt: {base_topic: site/keys}\n").config.mqtt.base_topic).toBe("site/keys");
  });

  it("checks and normalises watched node ids", () => {
    expect(loadFile("radio: {host: r}\nhomeassistant: {watch: ['!A76F40DA']}\n").config.homeassistant.watch).toEqual(["!a76f40da"]);
    expect(fileProblems("radio: {host: r}\nhomeassistant: {watch: ['!a76f40da', 'bob']}\n")).toEqual([
      'homeassistant.watch[1]: "bob" is not a node id like "!a76f40da" (config.yaml line 2)',
    ]);
  });

  it("reports every problem at once", () => {
    expect(fileProblems("sync: {interval: 5, intervall: 5}\nsend: {timeout: 0}\n", { MESHTASTIC_KEYSYNC_BOGUS: "1" })).toHaveLength(5);
  });

  it("warns about settings that take no effect in this combination", () => {
    expect(loadFile("radio: {host: r}\nsync: {source: {host: other}}\n").warnings).toEqual([
      "sync.source is ignored: it applies only with sync.strategy: connection",
    ]);
    expect(loadFile("radio: {host: r}\nmqtt: {server: 'mqtt://b'}\nembedded_broker: {port: 1884}\n").warnings).toEqual([
      "embedded_broker is ignored: mqtt.server is set, so no embedded broker runs",
    ]);
    expect(loadFile("radio: {host: r}\nmqtt: {username: u, password: p}\n").warnings).toHaveLength(1);
    expect(loadFile("radio: {host: r}\nmqtt: {server: 'mqtt://b'}\nembedded_broker: {port: 1883}\n").warnings).toEqual([]);
  });
});
