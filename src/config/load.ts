// yaml file → environment overrides → validation, as CONTRACT.md "Install and run" and
// "Config file" fix it. Every problem is collected and reported at once.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { readEnv, type EnvOverride } from "./env.js";
import { ConfigError, describeIssue, pathText, unknownKey, type ConfigProblem } from "./errors.js";
import { isPlainObject } from "../json.js";
import { parseConfigFile, readText, type ConfigFile } from "./file.js";
import { CONFIG_GROUPS, CONFIG_OPTIONS } from "./options.js";
import { completeConfig, configSchema, type Config } from "./schema.js";
import { configSources, getPath, overrideFor, type ConfigSources } from "./sources.js";

// One import for the app and the CLI.
export { ConfigError, formatProblem, type ConfigProblem } from "./errors.js";
export { redactConfig } from "./redact.js";
export type { Config } from "./schema.js";
export type { ConfigSources, ValueSource } from "./sources.js";

export interface LoadOptions {
  /** --config FILE; relative to cwd. Without it ./config.yaml is read when it exists. */
  path?: string | undefined;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/**
 * - file: a config file was read;
 * - demo: no config file, and the environment names no real radio: the simulated radio,
 *   the embedded broker unless the environment names a server, and a store in memory only
 *   (`config.store.path` null, unless MESHTASTIC_KEYSYNC_STORE_PATH is set);
 * - env: no config file, but MESHTASTIC_KEYSYNC_RADIO_HOST (or _RADIO_SERIAL) names a real
 *   radio: a setup configured by the environment alone (containers), with the normal
 *   defaults, so its keys persist in ./data/keys.json rather than vanishing on every restart.
 */
export type ConfigSource = "file" | "env" | "demo";

export interface LoadedConfig {
  config: Config;
  source: ConfigSource;
  /** The absolute path of the file read, null without one. */
  path: string | null;
  /** Where each option's value came from (default, file, env). */
  sources: ConfigSources;
  /** Settings that take no effect in this combination (log them; they are not errors). */
  warnings: string[];
}

type Raw = Record<string, unknown>;

function setPath(root: Raw, dotted: string, value: unknown): void {
  const keys = dotted.split(".");
  const last = keys.pop() as string;
  let node = root;
  for (const key of keys) {
    if (node[key] === undefined || node[key] === null) node[key] = {};
    const next = node[key];
    // Not a mapping: the schema reports the file's value; the override has nowhere to go.
    if (!isPlainObject(next)) return;
    node = next;
  }
  node[last] = value;
}

// A key written without a value ("port:") is null in YAML; users do that when they comment
// out a value, so for known paths it means "not set". Unknown keys stay, to be reported.
function dropNulls(raw: Raw): void {
  for (const { path: dotted } of [...CONFIG_GROUPS, ...CONFIG_OPTIONS]) {
    const parts = dotted.split(".");
    const parent = getPath(raw, parts.slice(0, -1));
    const key = parts[parts.length - 1] as string;
    if (isPlainObject(parent) && parent[key] === null) delete parent[key];
  }
}

// Options under `group` given a value other than their default (the sample's active lines
// repeat defaults, and those are no request to be honoured).
function changed(raw: Raw, group: string, keys?: readonly string[]): boolean {
  return CONFIG_OPTIONS.some((option) => {
    if (!option.path.startsWith(`${group}.`)) return false;
    if (keys !== undefined && !keys.includes(option.path.slice(group.length + 1))) return false;
    const value = getPath(raw, option.path.split("."));
    return value !== undefined && !isDeepStrictEqual(value, option.default);
  });
}

function ignoredSettings(raw: Raw, config: Config): string[] {
  const warnings: string[] = [];
  if (config.radio.serial !== undefined && changed(raw, "radio", ["port"])) warnings.push("radio.port is ignored: the radio is on radio.serial");
  if (config.radio.serial === undefined && changed(raw, "radio", ["baud"])) warnings.push("radio.baud is ignored: it applies only with radio.serial");
  if (config.sync.strategy !== "connection" && changed(raw, "sync.source")) {
    warnings.push("sync.source is ignored: it applies only with sync.strategy: connection");
  }
  if (config.mqtt.server === undefined) {
    if (changed(raw, "mqtt", ["username", "password"])) {
      warnings.push("mqtt.username/password are ignored without mqtt.server (the embedded broker's login is embedded_broker.username/password)");
    }
    if (changed(raw, "mqtt.tls")) warnings.push("mqtt.tls is ignored without mqtt.server (the embedded broker runs without TLS)");
  } else if (changed(raw, "embedded_broker")) {
    warnings.push("embedded_broker is ignored: mqtt.server is set, so no embedded broker runs");
  }
  return warnings;
}

/** Where a problem's value came from: the variable that set it, or the file's line. */
function origin(parts: readonly PropertyKey[], overrides: readonly EnvOverride[], file: ConfigFile | null, display: string): string {
  const dotted = parts.filter((p) => typeof p === "string").join(".");
  const fromEnv = overrideFor(dotted, overrides);
  if (fromEnv !== undefined) return ` (from ${fromEnv.env})`;
  const line = file?.lineOf(parts);
  return line === undefined ? "" : ` (${path.basename(display)} line ${line})`;
}

/** Reads, merges and validates the config; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions): LoadedConfig {
  const problems: ConfigProblem[] = [];
  const explicit = options.path !== undefined;
  const filePath = path.resolve(options.cwd, options.path ?? "config.yaml");
  const display = options.path ?? "config.yaml";

  let file: ConfigFile | null = null;
  let fileFound = false;
  const read = readText(filePath, !explicit);
  if (read !== null) {
    fileFound = true;
    if ("problem" in read) problems.push({ ...read.problem, field: display });
    else {
      const parsed = parseConfigFile(read.text, display);
      if ("problems" in parsed) problems.push(...parsed.problems);
      else file = parsed.file;
    }
  }

  const env = readEnv(options.env);
  problems.push(...env.problems);
  // Without a readable, well-formed file, validating the rest would only add noise.
  if (fileFound && file === null) throw new ConfigError(problems);

  const raw: Raw = file === null ? {} : structuredClone(file.data);
  dropNulls(raw);
  for (const override of env.overrides) setPath(raw, override.path, override.value);
  // Before demo mode fills in its own values, which are defaults to the user.
  const sources = configSources(file?.data ?? null, env.overrides, raw);

  let source: ConfigSource = "file";
  const serial = getPath(raw, ["radio", "serial"]);
  if (!fileFound) {
    const host = getPath(raw, ["radio", "host"]);
    source = (host === undefined && serial === undefined) || host === "simulator" ? "demo" : "env";
    // The simulated radio is chosen only explicitly or by having no config at all, so its
    // fake keys never reach a user's real broker or key file (CONTRACT.md).
    if (host === undefined && serial === undefined) {
      for (const override of env.overrides.filter((o) => o.path === "mqtt.server" || o.path === "store.path")) {
        problems.push({
          field: override.env,
          message: `sends the demo's simulated keys to a real ${override.path === "mqtt.server" ? "broker" : "key file"}: set MESHTASTIC_KEYSYNC_RADIO_HOST too (a radio's address, or "simulator" to choose the simulated radio), or MESHTASTIC_KEYSYNC_RADIO_SERIAL for a radio on USB`,
        });
      }
    }
    if (source === "demo") {
      setPath(raw, "radio.host", "simulator");
      if (getPath(raw, ["store", "path"]) === undefined) setPath(raw, "store.path", null);
    }
  } else if (getPath(raw, ["radio", "host"]) === undefined && serial === undefined) {
    problems.push({
      field: "radio.host",
      message: `required in a config file; use "simulator" for the built-in simulated radio, or radio.serial for a radio on USB (${path.basename(display)})`,
    });
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
      for (const key of keys) {
        const parts = key === undefined ? issue.path : [...issue.path, key];
        const message = key === undefined ? describeIssue(issue, getPath(raw, parts)) : unknownKey(pathText(parts));
        problems.push({ field: pathText(parts), message: message + origin(parts, env.overrides, file, display) });
      }
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);

  // radio.host or radio.serial: required above, or set by demo mode
  const config = completeConfig(result.data, result.data.radio.host, randomBytes(3).toString("hex"));
  return { config, source, path: fileFound ? filePath : null, sources, warnings: ignoredSettings(raw, config) };
}
