// Every option of the schema as data: path, environment variable, kind, default and
// description. Derived from schema.ts through zod's public JSON Schema export (input side:
// the defaults a user may leave out), so nothing here can drift from what the loader
// accepts; --help, the environment mapping and the sample test all read this list.
import { z } from "zod";
import { configSchema } from "./schema.js";

export const ENV_PREFIX = "MESHTASTIC_KEYSYNC_";

/** `map`: a mapping of free names to values (uplink.channels), given as JSON from the environment. */
export type OptionKind = "string" | "number" | "boolean" | "enum" | "list" | "map";

export interface ConfigOption {
  /** Dotted path as in the file, e.g. "sync.interval". */
  path: string;
  /** e.g. "MESHTASTIC_KEYSYNC_SYNC_INTERVAL" */
  env: string;
  kind: OptionKind;
  /** The allowed values of an enum option. */
  values?: readonly string[];
  /** undefined when the option has no fixed default. */
  default: unknown;
  /** The default for people: the value, or a sentence for computed/absent defaults. */
  defaultText: string;
  description: string;
}

/** A mapping that holds options (e.g. "sync.source"); it can be set as JSON from the environment. */
export interface ConfigGroup {
  path: string;
  env: string;
}

export function envName(path: string): string {
  return ENV_PREFIX + path.replaceAll(".", "_").toUpperCase();
}

/** How a value is shown to people: strings bare, everything else as JSON. */
export function formatValue(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** The parts of a JSON Schema node that z.toJSONSchema writes for our schema. */
interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
  enum?: unknown[];
  default?: unknown;
  description?: string;
  /** Our own metadata (`.meta({defaultText})` in schema.ts), which the export carries along. */
  defaultText?: string;
}

// A nullable option is `anyOf: [<the option>, {type: "null"}]`; its kind is the option's.
function concrete(node: SchemaNode): SchemaNode {
  return node.anyOf?.find((member) => member.type !== "null") ?? node;
}

function leafKind(node: SchemaNode, path: string): { kind: OptionKind; values?: readonly string[] } {
  if (node.enum !== undefined) return { kind: "enum", values: node.enum.map(String) };
  switch (node.type) {
    case "string":
      return { kind: "string" };
    case "number":
    case "integer":
      return { kind: "number" };
    case "boolean":
      return { kind: "boolean" };
    case "array":
      return { kind: "list" };
    case "object":
      return { kind: "map" };
    default:
      throw new Error(`config schema: option ${path} has a type options.ts does not know`);
  }
}

function walk(node: SchemaNode, prefix: string, options: ConfigOption[], groups: ConfigGroup[]): void {
  for (const [key, field] of Object.entries(node.properties ?? {})) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const inner = concrete(field);
    // A mapping with named options is a group; one of free names (a record) is an option itself.
    if (inner.type === "object" && inner.properties !== undefined) {
      groups.push({ path, env: envName(path) });
      walk(inner, path, options, groups);
      continue;
    }
    if (field.description === undefined) throw new Error(`config schema: option ${path} has no description`);
    const hasDefault = Object.hasOwn(field, "default");
    const defaultText = field.defaultText ?? (hasDefault ? formatValue(field.default) : "none");
    options.push({ path, env: envName(path), ...leafKind(inner, path), default: field.default, defaultText, description: field.description });
  }
}

function collect(): { options: ConfigOption[]; groups: ConfigGroup[] } {
  const options: ConfigOption[] = [];
  const groups: ConfigGroup[] = [];
  walk(z.toJSONSchema(configSchema, { io: "input" }) as SchemaNode, "", options, groups);
  return { options, groups };
}

const collected = collect();

/** Every option (leaf) of the config, in file order. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = collected.options;
/** Every mapping of the config (radio, sync, sync.source, mqtt.tls, ...), in file order. */
export const CONFIG_GROUPS: readonly ConfigGroup[] = collected.groups;
