// The rule for interval and enabled (sync/settings.ts): a value set over MQTT is restored at
// start unless the configuration of that setting changed since it was saved.
import { describe, expect, it } from "vitest";
import { restoreSettings, setOverMqtt, type ConfiguredSettings, type SettingsState } from "../../src/sync/settings.js";

const configured: ConfiguredSettings = {
  interval: { value: 300, source: "default" },
  enabled: { value: true, source: "file" },
};

/** What the store holds after interval 600 and enabled false were set over MQTT under `configured`. */
function savedUnder(c: ConfiguredSettings): Record<string, unknown> {
  let state: SettingsState = { effective: c, saved: {} };
  state = setOverMqtt(state, c, "interval", 600);
  state = setOverMqtt(state, c, "enabled", false);
  return JSON.parse(JSON.stringify(state.saved)) as Record<string, unknown>;
}

describe("settings restored at start", () => {
  it("nothing saved: the configured values, with their sources", () => {
    const r = restoreSettings(configured, {});
    expect(r.effective).toEqual(configured);
    expect(r.saved).toEqual({});
    expect(r.changed).toBe(false);
    expect(r.notes).toEqual([]);
  });

  it("the configuration unchanged: the MQTT values are restored, source mqtt, and stay saved", () => {
    const doc = savedUnder(configured);
    const r = restoreSettings(configured, doc);
    expect(r.effective).toEqual({ interval: { value: 600, source: "mqtt" }, enabled: { value: false, source: "mqtt" } });
    expect(r.saved).toEqual(doc);
    expect(r.changed).toBe(false);
    expect(r.notes.join("\n")).toMatch(/interval 600 set over MQTT restored/);
  });

  it("a configured value changed since: it wins and the saved one is dropped; the other setting keeps its MQTT value", () => {
    const now: ConfiguredSettings = { ...configured, interval: { value: 900, source: "file" } };
    const r = restoreSettings(now, savedUnder(configured));
    expect(r.effective).toEqual({ interval: { value: 900, source: "file" }, enabled: { value: false, source: "mqtt" } });
    expect(Object.keys(r.saved)).toEqual(["enabled"]);
    expect(r.changed).toBe(true);
    expect(r.notes.join("\n")).toMatch(/interval 600 set over MQTT was dropped: the configuration changed from 300 \(the default\) to 900 \(from the config file\)/);
  });

  it("the same value given by the environment now (or no longer): an edit all the same, the configured value wins", () => {
    const byEnv: ConfiguredSettings = { ...configured, enabled: { value: true, source: "env" } };
    expect(restoreSettings(byEnv, savedUnder(configured)).effective.enabled).toEqual({ value: true, source: "env" });
    const saved = savedUnder(byEnv);
    expect(restoreSettings(configured, saved).effective.enabled).toEqual({ value: true, source: "file" });
    expect(restoreSettings(byEnv, saved).effective.enabled).toEqual({ value: false, source: "mqtt" });
  });

  it("an entry this version cannot have written (out of range, wrong type, unknown name) is dropped", () => {
    const doc = {
      interval: { value: 5, configured: { value: 300, source: "default" } },
      enabled: { value: "yes", configured: { value: true, source: "file" } },
      colour: { value: "blue" },
    };
    const r = restoreSettings(configured, doc);
    expect(r.effective).toEqual(configured);
    expect(r.saved).toEqual({});
    expect(r.changed).toBe(true);
    expect(r.notes).toHaveLength(2);
    expect(restoreSettings(configured, { interval: { value: 600, configured: { value: 300, source: "mqtt" } } }).effective.interval.source).toBe("default");
  });
});

describe("a setting set over MQTT", () => {
  it("is in effect as mqtt and saved with the configured value it overrides, not an earlier MQTT value", () => {
    let state: SettingsState = { effective: restoreSettings(configured, {}).effective, saved: {} };
    state = setOverMqtt(state, configured, "interval", 600);
    state = setOverMqtt(state, configured, "interval", 1200);
    expect(state.effective).toEqual({ interval: { value: 1200, source: "mqtt" }, enabled: { value: true, source: "file" } });
    expect(state.saved).toEqual({ interval: { value: 1200, configured: { value: 300, source: "default" } } });
  });
});
