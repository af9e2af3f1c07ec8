// The Home Assistant add-on's options (addon/config.yaml) and their way back into a config
// file the bridge reads. Pure. The options are derived from the config schema's option list
// (options.ts), so the add-on cannot offer a key the bridge refuses or miss one it gained:
// scripts/gen-addon-config.mjs writes them into addon/config.yaml and a test compares.
//
// Supervisor option schema types: https://developers.home-assistant.io/docs/add-ons/configuration#options--schema
// One flat level of keys (the option's dotted path with "_"): the Supervisor's form editor
// shows flat options well, and every key is then also its environment variable's tail.
import { CONFIG_OPTIONS, type ConfigOption } from "./options.js";

/** Where the add-on keeps the key directory: /data is the add-on's persistent folder. */
export const ADDON_STORE_PATH = "/data/keys.json";

/**
 * Options the add-on decides itself: the store lives in /data, and the embedded broker is
 * not offered (Home Assistant OS has the Mosquitto add-on, reached through the Supervisor).
 * A mapping of free names (uplink.channels) has no Supervisor schema type: not offered.
 */
export function addonOffers(option: Pick<ConfigOption, "path"> & Partial<Pick<ConfigOption, "kind">>): boolean {
  return option.path !== "store.path" && !option.path.startsWith("embedded_broker.") && option.kind !== "map";
}

export function addonKey(path: string): string {
  return path.replaceAll(".", "_");
}

type SchemaType = string | string[];

export interface AddonOptions {
  /** The defaults shown in the add-on's configuration tab. */
  options: Record<string, unknown>;
  /** The Supervisor's validation of each option; `?` marks an optional one. */
  schema: Record<string, SchemaType>;
}

// Secrets get the Supervisor's password type (masked in its editor).
const SECRETS = new Set(["mqtt.password", "uplink.password"]);

function schemaType(option: ConfigOption): SchemaType {
  const optional = option.default === undefined ? "?" : "";
  switch (option.kind) {
    case "boolean":
      return `bool${optional}`;
    // Every number option of the schema is an integer (a test checks): int, not float.
    case "number":
      return `int${optional}`;
    case "enum":
      return `list(${(option.values ?? []).join("|")})${optional}`;
    case "list":
      return ["str"];
    case "map":
      throw new Error(`the add-on offers no mapping option (${option.path})`);
    case "string":
      return `${SECRETS.has(option.path) ? "password" : "str"}${optional}`;
  }
}

/** The add-on's options and schema, from the bridge's config options. */
export function addonOptions(all: readonly ConfigOption[] = CONFIG_OPTIONS): AddonOptions {
  const options: Record<string, unknown> = {};
  const schema: Record<string, SchemaType> = {};
  for (const option of all.filter(addonOffers)) {
    const key = addonKey(option.path);
    schema[key] = schemaType(option);
    if (option.default !== undefined) options[key] = option.default;
  }
  return { options, schema };
}

/** The Supervisor's MQTT service (GET /services/mqtt `data`), when a broker add-on provides one. */
export interface MqttService {
  host: string;
  port: number;
  ssl?: boolean;
  username?: string;
  password?: string;
}

export interface AddonConfig {
  /** The config file's content, nested as config.yaml is. */
  config: Record<string, unknown>;
  /** Options the add-on does not know (the bridge would refuse the file; say which). */
  unknown: string[];
}

/**
 * The add-on's options (/data/options.json) → the bridge's config. Unset options (absent,
 * null, "") are left out, so the bridge's own defaults and rules apply. Without an
 * `mqtt_server` the Supervisor's MQTT service is used when there is one.
 */
export function configFromAddonOptions(values: Record<string, unknown>, mqtt: MqttService | null, all: readonly ConfigOption[] = CONFIG_OPTIONS): AddonConfig {
  const byKey = new Map(all.filter(addonOffers).map((o) => [addonKey(o.path), o]));
  const config: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const option = byKey.get(key);
    if (option === undefined) {
      unknown.push(key);
      continue;
    }
    if (value === null || value === undefined || value === "") continue;
    setPath(config, option.path, value);
  }
  setPath(config, "store.path", ADDON_STORE_PATH);
  if (values.mqtt_server === undefined || values.mqtt_server === null || values.mqtt_server === "") {
    if (mqtt !== null) {
      setPath(config, "mqtt.server", `${mqtt.ssl === true ? "mqtts" : "mqtt"}://${mqtt.host}:${mqtt.port}`);
      // The service's account, unless the user named their own.
      if (mqtt.username && !values.mqtt_username) setPath(config, "mqtt.username", mqtt.username);
      if (mqtt.password && !values.mqtt_password) setPath(config, "mqtt.password", mqtt.password);
    }
  }
  return { config, unknown };
}

function setPath(root: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  const last = keys.pop()!;
  let node = root;
  for (const key of keys) node = (node[key] ??= {}) as Record<string, unknown>;
  node[last] = value;
}
