// The uplink's Home Assistant sensor: announced only with uplink.enabled, its templates
// rendered (HA's strictness, jinja-lite) against what the bridge publishes with and without it.
import { describe, expect, it } from "vitest";
import { buildDiscovery } from "../../src/mqtt/discovery.js";
import { render } from "../mqtt/jinja-lite.js";

const opts = { base: "mk", prefix: "homeassistant", version: "1.2.3" };
const find = (uplink: boolean) => buildDiscovery({ ...opts, uplink }).find((m) => m.topic === "homeassistant/sensor/mk/uplink_keys/config");

describe("the uplink's Home Assistant sensor", () => {
  it("is announced only with uplink.enabled, as a diagnostic sensor fed by sync/stats and bridge/health", () => {
    expect(find(false)).toBeUndefined();
    expect(find(true)?.payload).toMatchObject({ state_topic: "mk/sync/stats", json_attributes_topic: "mk/bridge/health", entity_category: "diagnostic", state_class: "total_increasing" });
  });

  it("renders the keys and the uplink's health, and None / {} where they are absent", () => {
    const p = find(true)!.payload as { value_template: string; json_attributes_template: string };
    expect(render(p.value_template, JSON.stringify({ sync_count: 1, uplink_keys: 12 }))).toBe("12");
    expect(render(p.value_template, JSON.stringify({ sync_count: 1 }))).toBe("None");
    const uplink = { connected: true, envelopes: 40, refused: { malformed: 3 } };
    expect(JSON.parse(render(p.json_attributes_template, JSON.stringify({ mqtt: {}, uplink })))).toEqual(uplink);
    expect(render(p.json_attributes_template, JSON.stringify({ mqtt: {} }))).toBe("{}");
  });
});
