// MESHTASTIC_KEYSYNC_* variables → config values. Key names contain underscores themselves
// (sync.on_demand_max_per_minute), so a variable is looked up among the names of the known
// paths instead of being split on "_".
import type { ConfigProblem } from "./errors.js";
import { jsonDepth } from "../json.js";
import { suggestPath } from "./errors.js";
import { CONFIG_GROUPS, CONFIG_OPTIONS, ENV_PREFIX, type ConfigOption } from "./options.js";

export interface EnvOverride {
  path: string;
  env: string;
  value: unknown;
}

type Target = { kind: ConfigOption["kind"] | "group"; path: string };

const TARGETS = new Map<string, Target>([
  ...CONFIG_GROUPS.map((g): [string, Target] => [g.env, { kind: "group", path: g.path }]),
  ...CONFIG_OPTIONS.map((o): [string, Target] => [o.env, { kind: o.kind, path: o.path }]),
]);

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** The config is at most three levels deep (mqtt.tls.ca); lists hold plain values. */
const MAX_JSON_DEPTH = 16;

/**
 * Numbers and true/false are converted; a value that doesn't convert is passed on as text,
 * so the schema reports it with the usual message ("abc" is not a number).
 */
function convert(kind: Target["kind"], raw: string): { value: unknown } | { error: string } {
  switch (kind) {
    case "number":
      return { value: NUMBER.test(raw.trim()) ? Number(raw.trim()) : raw };
    case "boolean": {
      const word = raw.trim().toLowerCase();
      return { value: word === "true" ? true : word === "false" ? false : raw };
    }
    case "list":
    case "map":
    case "group":
      if (jsonDepth(raw) > MAX_JSON_DEPTH) {
        return { error: `nested deeper than ${MAX_JSON_DEPTH} levels; config lists and mappings are at most a few levels deep` };
      }
      try {
        return { value: JSON.parse(raw) as unknown };
      } catch {
        const example = kind === "list" ? '["!a76f40da"]' : kind === "map" ? '{"Friends": "AQ=="}' : '{"host": "10.0.0.2"}';
        return { error: `${JSON.stringify(raw)} is not valid JSON (lists and mappings are given as JSON, e.g. ${example})` };
      }
    default:
      return { value: raw };
  }
}

/**
 * The overrides the environment gives, mappings before their own options so that
 * MESHTASTIC_KEYSYNC_MQTT_TLS_CA refines MESHTASTIC_KEYSYNC_MQTT_TLS. An empty variable
 * counts as unset, as container tools leave declared-but-blank variables behind.
 */
export function readEnv(env: NodeJS.ProcessEnv): { overrides: EnvOverride[]; problems: ConfigProblem[] } {
  const overrides: EnvOverride[] = [];
  const problems: ConfigProblem[] = [];
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || raw === "") continue;
    const target = TARGETS.get(name);
    if (target === undefined) {
      const guess = suggestPath(name, [...TARGETS.keys()]);
      problems.push({
        field: name,
        message: `unknown variable${guess === undefined ? "" : ` (did you mean ${guess}?)`}; ${ENV_PREFIX}* variables set config options, see --help`,
      });
      continue;
    }
    const converted = convert(target.kind, raw);
    if ("error" in converted) problems.push({ field: name, message: converted.error });
    else overrides.push({ path: target.path, env: name, value: converted.value });
  }
  overrides.sort((a, b) => a.path.split(".").length - b.path.split(".").length);
  return { overrides, problems };
}
