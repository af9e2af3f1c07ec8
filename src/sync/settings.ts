// The runtime settings that the `interval` and `enabled` commands change: which value is in
// effect, where it came from (bridge/info.settings), and what is kept with the key directory.
// Pure. The rule: a value set over MQTT is saved together with the configured value, and
// its source, that it overrode. At start the saved value is restored unless the configuration
// of that setting changed since (another value, or the same one now from the file or the
// environment): then the configured value wins and the saved one is dropped, so an edit of
// the config file or of an environment variable always takes effect, at the next start.
import { INTERVAL } from "./interval.js";

/** Where a configured value came from (config/sources.ts decides it). */
export type ConfiguredSource = "default" | "file" | "env";
export type SettingSource = ConfiguredSource | "mqtt";

export interface SettingValues {
  interval: number;
  enabled: boolean;
}
export type SettingName = keyof SettingValues;
export const SETTING_NAMES: readonly SettingName[] = ["interval", "enabled"];

/** The configuration's value of each setting and its source. */
export type ConfiguredSettings = { [K in SettingName]: { value: SettingValues[K]; source: ConfiguredSource } };

/** bridge/info.settings: each setting's value in effect and where it came from. */
export type EffectiveSettings = { [K in SettingName]: { value: SettingValues[K]; source: SettingSource } };

/** What is kept with the key directory: per setting set over MQTT, its value and the configured one it overrode. */
export type SavedSettings = { [K in SettingName]?: { value: SettingValues[K]; configured: ConfiguredSettings[K] } };

export interface SettingsState {
  effective: EffectiveSettings;
  saved: SavedSettings;
}

export interface Restored extends SettingsState {
  /** What was decided for each saved setting, for the log. */
  notes: string[];
  /** `saved` differs from what was read: write it back (a dropped override stays dropped). */
  changed: boolean;
}

const VALID: { [K in SettingName]: (value: unknown) => boolean } = {
  interval: (v) => Number.isSafeInteger(v) && (v as number) >= INTERVAL.min && (v as number) <= INTERVAL.max,
  enabled: (v) => typeof v === "boolean",
};
const isSource = (v: unknown): v is ConfiguredSource => v === "default" || v === "file" || v === "env";

function shown(setting: ConfiguredSettings[SettingName]): string {
  return `${JSON.stringify(setting.value)} (${setting.source === "default" ? "the default" : `from the ${setting.source === "env" ? "environment" : "config file"}`})`;
}

/** One saved entry as read from the store, or null when it is not one this version wrote. */
function readSaved<K extends SettingName>(name: K, raw: unknown): NonNullable<SavedSettings[K]> | null {
  if (typeof raw !== "object" || raw === null) return null;
  const { value, configured } = raw as Record<string, unknown>;
  if (!VALID[name](value) || typeof configured !== "object" || configured === null) return null;
  const c = configured as Record<string, unknown>;
  if (!VALID[name](c.value) || !isSource(c.source)) return null;
  return raw as NonNullable<SavedSettings[K]>;
}

/** At start: the configured settings, and the saved document read from the store. */
export function restoreSettings(configured: ConfiguredSettings, document: Readonly<Record<string, unknown>>): Restored {
  const effective = { ...configured } as EffectiveSettings;
  const saved: SavedSettings = {};
  const notes: string[] = [];
  let changed = Object.keys(document).some((name) => !(SETTING_NAMES as readonly string[]).includes(name));
  for (const name of SETTING_NAMES) {
    if (document[name] === undefined) continue;
    const entry = readSaved(name, document[name]);
    const now = configured[name];
    if (entry === null) {
      notes.push(`the saved ${name} is unreadable and was dropped; ${shown(now)} applies`);
      changed = true;
    } else if (entry.configured.value !== now.value || entry.configured.source !== now.source) {
      notes.push(`${name} ${JSON.stringify(entry.value)} set over MQTT was dropped: the configuration changed from ${shown(entry.configured)} to ${shown(now)} since`);
      changed = true;
    } else {
      Object.assign(saved, { [name]: entry });
      Object.assign(effective, { [name]: { value: entry.value, source: "mqtt" } });
      notes.push(`${name} ${JSON.stringify(entry.value)} set over MQTT restored (the configuration still says ${shown(now)})`);
    }
  }
  return { effective, saved, notes, changed };
}

/** A value set over MQTT: in effect, and saved with the configured value it overrides. */
export function setOverMqtt<K extends SettingName>(state: SettingsState, configured: ConfiguredSettings, name: K, value: SettingValues[K]): SettingsState {
  return {
    effective: { ...state.effective, [name]: { value, source: "mqtt" } },
    saved: { ...state.saved, [name]: { value, configured: configured[name] } },
  };
}
