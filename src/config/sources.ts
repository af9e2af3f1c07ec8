// Where each option's value came from: its default, the config file or the environment.
// Decided once, by the loader, from what it merged; bridge/info.settings reports it, and a
// setting changed over MQTT remembers the configured value it overrode, so that a later edit
// of the file or the environment still takes effect (sync/settings.ts).
import type { EnvOverride } from "./env.js";
import { CONFIG_OPTIONS } from "./options.js";

export type ValueSource = "default" | "file" | "env";

/** Every option's source, by its dotted path (e.g. "sync.interval"). */
export type ConfigSources = Readonly<Record<string, ValueSource>>;

export function getPath(root: unknown, parts: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of parts) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

/**
 * The variable that set `dotted`: the deepest override covering it, since overrides apply
 * mappings first (MESHTASTIC_KEYSYNC_SYNC='{"interval":600}') and their options after.
 */
export function overrideFor(dotted: string, overrides: readonly EnvOverride[]): EnvOverride | undefined {
  return overrides
    .filter((o) => dotted === o.path || dotted.startsWith(`${o.path}.`))
    .sort((a, b) => b.path.length - a.path.length)[0];
}

/**
 * `file`: the file's values (null without a file); `merged`: after the environment's
 * overrides, before defaults. A value the loader set itself (demo mode) counts as a default.
 */
export function configSources(file: Record<string, unknown> | null, overrides: readonly EnvOverride[], merged: Record<string, unknown>): ConfigSources {
  const sources: Record<string, ValueSource> = {};
  for (const { path } of CONFIG_OPTIONS) sources[path] = sourceOf(path.split("."), file, overrides, merged);
  return sources;
}

function sourceOf(parts: string[], file: Record<string, unknown> | null, overrides: readonly EnvOverride[], merged: Record<string, unknown>): ValueSource {
  // A mapping set from the environment replaces the file's: a key it lacks is a default.
  if (getPath(merged, parts) === undefined) return "default";
  if (overrideFor(parts.join("."), overrides) !== undefined) return "env";
  // null in the file is "not set" (load.ts dropNulls).
  const inFile = file === null ? undefined : getPath(file, parts);
  return inFile === undefined || inFile === null ? "default" : "file";
}
