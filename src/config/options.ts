// Every option of the schema as data: path, environment variable, kind, default and
// description. Derived by walking schema.ts, so nothing here can drift from what the loader
// accepts; --help, the environment mapping and the sample test all read this list.
import { z } from "zod";
import { configSchema } from "./schema.js";

export const ENV_PREFIX = "MESHTASTIC_KEYSYNC_";

export type OptionKind = "string" | "number" | "boolean" | "enum" | "list";

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

interface Unwrapped {
  inner: z.ZodType;
  description: string | undefined;
  defaultText: string | undefined;
  hasDefault: boolean;
  default: unknown;
}

// Peels default/prefault/optional/nullable wrappers; the description may sit on any layer.
function unwrap(schema: z.ZodType): Unwrapped {
  const found: Unwrapped = { inner: schema, description: undefined, defaultText: undefined, hasDefault: false, default: undefined };
  for (;;) {
    const s = found.inner;
    const meta = s.meta() as { description?: string; defaultText?: string } | undefined;
    found.description ??= meta?.description;
    found.defaultText ??= meta?.defaultText;
    if (s instanceof z.ZodDefault || s instanceof z.ZodPrefault) {
      if (!found.hasDefault) {
        found.hasDefault = true;
        found.default = s._zod.def.defaultValue;
      }
      found.inner = s.unwrap() as z.ZodType;
    } else if (s instanceof z.ZodOptional || s instanceof z.ZodNullable) {
      found.inner = s.unwrap() as z.ZodType;
    } else {
      return found;
    }
  }
}

function leafKind(schema: z.ZodType, path: string): { kind: OptionKind; values?: readonly string[] } {
  if (schema instanceof z.ZodString) return { kind: "string" };
  if (schema instanceof z.ZodNumber) return { kind: "number" };
  if (schema instanceof z.ZodBoolean) return { kind: "boolean" };
  if (schema instanceof z.ZodEnum) return { kind: "enum", values: schema.options.map(String) };
  if (schema instanceof z.ZodArray) return { kind: "list" };
  throw new Error(`config schema: option ${path} has a type options.ts does not know`);
}

function walk(schema: z.ZodObject, prefix: string, options: ConfigOption[], groups: ConfigGroup[]): void {
  for (const [key, field] of Object.entries(schema.shape)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const found = unwrap(field as z.ZodType);
    if (found.inner instanceof z.ZodObject) {
      groups.push({ path, env: envName(path) });
      walk(found.inner, path, options, groups);
      continue;
    }
    if (found.description === undefined) throw new Error(`config schema: option ${path} has no description`);
    const defaultText = found.defaultText ?? (found.hasDefault ? formatValue(found.default) : "none");
    options.push({ path, env: envName(path), ...leafKind(found.inner, path), default: found.default, defaultText, description: found.description });
  }
}

function collect(): { options: ConfigOption[]; groups: ConfigGroup[] } {
  const options: ConfigOption[] = [];
  const groups: ConfigGroup[] = [];
  walk(configSchema, "", options, groups);
  return { options, groups };
}

const collected = collect();

/** Every option (leaf) of the config, in file order. */
export const CONFIG_OPTIONS: readonly ConfigOption[] = collected.options;
/** Every mapping of the config (radio, sync, sync.source, mqtt.tls, ...), in file order. */
export const CONFIG_GROUPS: readonly ConfigGroup[] = collected.groups;
