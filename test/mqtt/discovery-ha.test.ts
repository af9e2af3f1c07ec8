// Checks the discovery payloads the way Home Assistant would use them: required and allowed
// keys per component, topics the bridge really uses, command payloads the command table
// accepts, and templates that render the bridge's published state onto the entity's values.
import { describe, expect, it } from "vitest";
import { COMMANDS, handleRequest } from "../../src/mqtt/commands.js";
import { buildDiscovery, buildNodeDiscovery, type DiscoveryMessage } from "../../src/mqtt/discovery.js";
import { bridgeTopics, parseDiscoveryTopic } from "../../src/mqtt/topics.js";
import { BRIDGE_EVENT_TYPES } from "../../src/sync/events.js";
import { buildStats, lastSyncOf, type SyncStats } from "../../src/sync/stats.js";
import { fakeHandlers, initialStats, sampleNode, sampleStats } from "./fakes.js";
import { parseJinja } from "./jinja-real.js";
import { DURATION_UNITS, ENTITY_CATEGORIES, HA_SCHEMA, NUMBER_MODES, STATE_CLASSES } from "./ha-schema.js";
import { render, renderCommand } from "./jinja-lite.js";
import { lastCommandOf } from "../../src/mqtt/last-command.js";

const opts = { base: "mk", prefix: "homeassistant", version: "1.2.3", push: true };
const t = bridgeTopics(opts.base);
const nodeMessages = buildNodeDiscovery(opts, { id: "!a76f40da", long_name: "Base", pushable: true });
const all: DiscoveryMessage[] = [...buildDiscovery(opts), ...nodeMessages];

const component = (m: DiscoveryMessage) => parseDiscoveryTopic(opts.prefix, m.topic)?.component ?? "";
const byKey = (key: string) => {
  const m = all.find((x) => parseDiscoveryTopic(opts.prefix, x.topic)?.objectId === key);
  if (!m) throw new Error(`no entity ${key}`);
  return m.payload as Record<string, unknown> & { value_template?: string };
};

// Every topic the bridge publishes (state) or subscribes to (commands), from topics.ts.
const PUBLISHED = new Set([t.bridgeState, t.bridgeInfo, t.radioState, t.syncStats, t.syncLast, t.bridgeEvent, t.lastCommand, t.node("!a76f40da")]);
const COMMAND_TOPICS = new Set(COMMANDS.map((c) => t.request(c)));

// sync/stats as the real builder makes it: before the first sync (nulls), after one, failing.
const idle = { running: false, enabled: true, intervalSec: 300, nextSyncAt: null };
const summary = { nodes_total: 0, nodes_with_key: 0, nodes_missing_key: 0, alerts: 0, nodes_only_in_directory: 0 };
const noDump = { radio_nodes: null, nodes_evicted: 0 };
const built = [
  buildStats({ syncCount: 0, lastSyncAt: null, lastDurationMs: null, lastError: null }, idle, false, summary, { added: 0, updated: 0 }, noDump),
  buildStats({ syncCount: 0, lastSyncAt: null, lastDurationMs: null, lastError: "radio disconnected: ECONNREFUSED" }, idle, true, { ...summary, nodes_total: 4, nodes_only_in_directory: 4 }, { added: 0, updated: 0 }, noDump),
  buildStats({ syncCount: 3, lastSyncAt: 1_760_000_000_000, lastDurationMs: 812.4, lastError: "x".repeat(400) }, { ...idle, nextSyncAt: 1_760_000_300_000 }, true, { ...summary, nodes_total: 9, alerts: 2, nodes_only_in_directory: 3 }, { added: 9, updated: 1 }, { radio_nodes: 6, nodes_evicted: 2 }, 3),
];
const STATS = [...built, sampleStats(), initialStats(), sampleStats({ alerts: 3, enabled: false })];

// What the bridge publishes on each state topic, per CONTRACT.md; "" is a retained clear.
const SAMPLES: Record<string, string[]> = {
  [t.syncStats]: STATS.map((p) => JSON.stringify(p)),
  [t.syncLast]: STATS.map((p) => lastSyncOf(p as unknown as SyncStats)).filter((p) => p !== null).map((p) => JSON.stringify(p)),
  [t.radioState]: [
    { state: "connected" },
    { state: "connecting", reason: "dialling" },
    { state: "disconnected", reason: "ECONNREFUSED" },
  ].map((p) => JSON.stringify(p)),
  [t.bridgeEvent]: BRIDGE_EVENT_TYPES.map((type) => JSON.stringify({ type, data: { id: "!a76f40da" } })),
  [t.node("!a76f40da")]: [
    ...["ok", "weak", "duplicate", "changed", "radio_stale", "missing"].map((status) => JSON.stringify(sampleNode({ status }))),
    JSON.stringify(sampleNode({ status: "missing", has_key: false, key_fingerprint: null, key_source: null })),
    "",
  ],
  [t.bridgeState]: ['{"state":"online","instance":"3f2a9c01d4e7"}', '{"state":"offline","instance":"3f2a9c01d4e7"}'],
  // bridge/last_command as the bridge builds it from a request and its response.
  [t.lastCommand]: [
    lastCommandOf("sync", Buffer.from("PRESS"), { status: "ok", data: {} }),
    lastCommandOf("push", Buffer.from('{"id":"!A76F40DA"}'), { status: "error", error: "the radio's own node", data: {} }),
    lastCommandOf("interval", Buffer.from("45.5"), { status: "error", error: "x".repeat(300), data: {} }),
  ].map((p) => JSON.stringify(p)),
};

describe("discovery payloads against Home Assistant's schema", () => {
  it.each(all.map((m) => [m.topic, m] as const))("%s has the required and only allowed keys", (_, m) => {
    const schema = HA_SCHEMA[component(m)];
    expect(schema, `unknown component in ${m.topic}`).toBeDefined();
    for (const key of schema!.required) expect(m.payload, key).toHaveProperty(key);
    for (const key of Object.keys(m.payload)) expect(schema!.allowed, `${m.topic}: ${key}`).toContain(key);
    const p = m.payload;
    if (p.device_class !== undefined) expect(schema!.deviceClasses).toContain(p.device_class);
    if (p.entity_category !== undefined) expect(ENTITY_CATEGORIES).toContain(p.entity_category);
    // Sensors cannot be configuration entities in HA.
    if (component(m) === "sensor") expect(p.entity_category).not.toBe("config");
    if (p.state_class !== undefined) expect(STATE_CLASSES).toContain(p.state_class);
    if (p.mode !== undefined) expect(NUMBER_MODES).toContain(p.mode);
    // HA refuses a state class on a timestamp sensor.
    if (p.device_class === "timestamp") expect(p.state_class).toBeUndefined();
    if (p.device_class === "duration") expect(DURATION_UNITS).toContain(p.unit_of_measurement);
    // Device-based discovery needs a unique_id and a device with identifiers.
    expect(typeof p.unique_id).toBe("string");
    expect((p.device as { identifiers: string[] }).identifiers.length).toBeGreaterThan(0);
    expect(p.origin).toMatchObject({ name: "meshtastic-keysync" });
  });

  it("uses unique ids that are unique", () => {
    const ids = all.map((m) => m.payload.unique_id);
    expect(new Set(ids).size).toBe(ids.length);
    const topics = all.map((m) => m.topic);
    expect(new Set(topics).size).toBe(topics.length);
  });

  it("refers only to topics the bridge publishes or subscribes to", () => {
    for (const { topic, payload } of all) {
      for (const key of ["state_topic", "json_attributes_topic"]) {
        if (payload[key] !== undefined) expect(PUBLISHED, `${topic} ${key}`).toContain(payload[key]);
      }
      if (payload.command_topic !== undefined) expect(COMMAND_TOPICS, topic).toContain(payload.command_topic);
      // The bridge's state first; a node's buttons also follow the node's own state.
      const [bridge, ...own] = payload.availability as Array<{ topic: string }>;
      expect(bridge!.topic).toBe(t.bridgeState);
      for (const a of own) expect(a.topic, topic).toBe(t.node("!a76f40da"));
    }
  });

  it("renders every availability template to online or offline on every payload of its topic", () => {
    for (const { topic, payload } of all) {
      for (const a of payload.availability as Array<{ topic: string; value_template: string }>) {
        for (const sample of SAMPLES[a.topic]!) expect(["online", "offline"], `${topic} on ${sample}`).toContain(render(a.value_template, sample));
      }
    }
  });

  it("renders every template against every payload published on its topic", () => {
    for (const { topic, payload } of all) {
      const template = payload.value_template as string | undefined;
      if (template === undefined) continue;
      const samples = SAMPLES[payload.state_topic as string];
      expect(samples, topic).toBeDefined();
      for (const sample of samples!) expect(() => render(template, sample), `${topic} on ${sample}`).not.toThrow();
    }
  });

  it("renders every template to a state its entity takes, on every payload", () => {
    for (const { topic, payload } of all) {
      for (const [key, samples] of [["value_template", SAMPLES[payload.state_topic as string]], ["json_attributes_template", SAMPLES[payload.json_attributes_topic as string]]] as const) {
        const template = payload[key] as string | undefined;
        if (template === undefined) continue;
        for (const sample of samples!) {
          const out = render(template, sample);
          const where = `${topic} ${key} on ${sample.slice(0, 60)}`;
          if (key === "json_attributes_template") expect(typeof JSON.parse(out), where).toBe("object");
          else if (payload.device_class === "timestamp") expect(out, where).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
          else if (payload.state_class !== undefined || payload.unit_of_measurement !== undefined) expect(out === "None" || Number.isFinite(Number(out)), where).toBe(true);
          // An empty rendering is ignored by a binary sensor (only the retained clear gives one).
          else if (component({ topic, payload }) === "binary_sensor") expect(["ON", "OFF", ...(sample === "" ? [""] : [])], where).toContain(out);
          // HA refuses a state over 255 characters.
          else expect(out.length, where).toBeLessThanOrEqual(255);
        }
      }
    }
  });

  it("writes every template in real Jinja", () => {
    for (const { payload } of all) {
      for (const key of ["value_template", "json_attributes_template"]) {
        if (typeof payload[key] === "string") expect(() => parseJinja(payload[key] as string), `${key}: ${String(payload[key])}`).not.toThrow();
      }
      for (const a of payload.availability as Array<{ value_template: string }>) expect(() => parseJinja(a.value_template)).not.toThrow();
    }
  });
});

describe("round trips through Home Assistant", () => {
  it("availability follows bridge/state", () => {
    const [avail] = byKey("sync_count").availability as Array<{ value_template: string }>;
    // payload_available / payload_not_available are HA's defaults: online / offline.
    expect(render(avail!.value_template, '{"state":"online","instance":"3f2a9c01d4e7"}')).toBe("online");
    expect(render(avail!.value_template, '{"state":"offline","instance":"3f2a9c01d4e7"}')).toBe("offline");
  });

  it("the button's press is accepted by sync", async () => {
    const button = byKey("sync");
    const h = fakeHandlers();
    const res = await handleRequest("sync", Buffer.from(button.payload_press as string), h);
    expect(res.status).toBe("ok");
    expect(h.calls).toEqual([["sync"]]);
  });

  it("the switch's payloads set enabled, and its template renders exactly them", async () => {
    const sw = byKey("enabled");
    expect(sw.command_topic).toBe(t.request("enabled"));
    const h = fakeHandlers();
    expect(await handleRequest("enabled", Buffer.from(String(sw.payload_on)), h)).toMatchObject({ status: "ok" });
    expect(await handleRequest("enabled", Buffer.from(String(sw.payload_off)), h)).toMatchObject({ status: "ok" });
    expect(h.calls).toEqual([
      ["setEnabled", true],
      ["setEnabled", false],
    ]);
    expect(render(sw.value_template!, JSON.stringify(sampleStats({ enabled: true })))).toBe(sw.payload_on);
    expect(render(sw.value_template!, JSON.stringify(sampleStats({ enabled: false })))).toBe(sw.payload_off);
  });

  it("the number sends what interval accepts over its whole range, and shows the interval", async () => {
    const n = byKey("interval");
    const h = fakeHandlers();
    // HA sends the number as text, as an integer when it is whole (number.mqtt).
    for (const v of [n.min, 600, n.max] as number[]) {
      expect(await handleRequest("interval", Buffer.from(String(v)), h)).toMatchObject({ status: "ok" });
    }
    expect(h.calls).toEqual([
      ["setInterval", 30],
      ["setInterval", 600],
      ["setInterval", 86400],
    ]);
    expect(await handleRequest("interval", Buffer.from(String((n.min as number) - 1)), h)).toMatchObject({ status: "error" });
    expect(n.step).toBe(1);
    expect(render(n.value_template!, JSON.stringify(sampleStats({ interval: 600 })))).toBe("600");
  });

  it("the event entity gets an event_type it lists, with the event's data", () => {
    const ev = byKey("event");
    expect(ev.event_types).toEqual([...BRIDGE_EVENT_TYPES]);
    for (const type of BRIDGE_EVENT_TYPES) {
      const rendered = JSON.parse(render(ev.value_template!, JSON.stringify({ type, data: { a: 1 } }))) as object;
      expect(rendered).toEqual({ event_type: type, data: { a: 1 } });
    }
  });

  it("binary sensors map state onto ON/OFF (HA's default payloads)", () => {
    const radio = byKey("radio").value_template!;
    expect(render(radio, '{"state":"connected"}')).toBe("ON");
    expect(render(radio, '{"state":"connecting"}')).toBe("OFF");
    expect(render(radio, '{"state":"disconnected","reason":"x"}')).toBe("OFF");
    const alert = byKey("alert").value_template!;
    expect(render(alert, JSON.stringify(sampleStats({ alerts: 0 })))).toBe("OFF");
    expect(render(alert, JSON.stringify(sampleStats({ alerts: 2 })))).toBe("ON");
    const perNode = byKey("node_a76f40da").value_template!;
    expect(render(perNode, JSON.stringify(sampleNode({ status: "ok" })))).toBe("OFF");
    // A node a firmware 2.8 re-flash replaced is a problem, whatever its key's status.
    expect(render(perNode, JSON.stringify(sampleNode({ status: "ok", replaced_by: "!0c0ffee0" })))).toBe("ON");
    for (const status of ["weak", "duplicate", "changed", "radio_stale", "missing"]) {
      expect(render(perNode, JSON.stringify(sampleNode({ status })))).toBe("ON");
    }
    // forget's retained clear: nothing HA would log (an empty rendering is ignored).
    expect(render(perNode, "")).toBe("");
  });

  it("per-node sensors show the node's fingerprint and attributes, and survive the clear", () => {
    const fingerprint = byKey("node_a76f40da_fingerprint").value_template!;
    expect(render(fingerprint, JSON.stringify(sampleNode()))).toBe("0123456789abcdef");
    // None: HA's MQTT sensor reads it as unknown.
    expect(render(fingerprint, JSON.stringify(sampleNode({ key_fingerprint: null })))).toBe("None");
    expect(render(fingerprint, "")).toBe("None");
    const attributes = byKey("node_a76f40da").json_attributes_template as string;
    expect(JSON.parse(render(attributes, JSON.stringify(sampleNode())))).toEqual(sampleNode());
    expect(render(attributes, "")).toBe("{}");
  });

  it("the push button presses what push accepts, for its node", async () => {
    const button = byKey("node_a76f40da_push");
    expect(button.command_topic).toBe(t.request("push"));
    const h = fakeHandlers();
    expect(await handleRequest("push", Buffer.from(button.payload_press as string), h)).toMatchObject({ status: "ok" });
    expect(h.calls).toEqual([["push", "!a76f40da", false]]);
    // Available while the node has a key and no unsettled change (push refuses a changed key).
    const [, node] = button.availability as Array<{ value_template: string }>;
    expect(render(node!.value_template, JSON.stringify(sampleNode({ status: "ok" })))).toBe("online");
    expect(render(node!.value_template, JSON.stringify(sampleNode({ status: "changed" })))).toBe("offline");
    expect(render(node!.value_template, JSON.stringify(sampleNode({ replaced_by: "!0c0ffee0" })))).toBe("offline");
    expect(render(node!.value_template, JSON.stringify(sampleNode({ status: "missing", has_key: false, key_fingerprint: null })))).toBe("offline");
    expect(render(node!.value_template, "")).toBe("offline");
  });

  it("Accept / Reject new key press what accept_key / reject_key take, and are available only while the node is changed", async () => {
    for (const [key, command, call] of [["node_a76f40da_accept", "accept_key", "acceptKey"], ["node_a76f40da_reject", "reject_key", "rejectKey"]] as const) {
      const button = byKey(key);
      expect(button.command_topic).toBe(t.request(command));
      const h = fakeHandlers();
      expect(await handleRequest(command, Buffer.from(button.payload_press as string), h)).toMatchObject({ status: "ok" });
      expect(h.calls).toEqual([[call, "!a76f40da"]]);
      expect(button.availability_mode).toBe("all");
      const [bridge, node] = button.availability as Array<{ value_template: string }>;
      expect(render(bridge!.value_template, '{"state":"online","instance":"x"}')).toBe("online");
      for (const status of ["ok", "weak", "duplicate", "radio_stale", "missing"]) {
        expect(render(node!.value_template, JSON.stringify(sampleNode({ status }))), status).toBe("offline");
      }
      expect(render(node!.value_template, JSON.stringify(sampleNode({ status: "changed" })))).toBe("online");
      expect(render(node!.value_template, "")).toBe("offline");
    }
  });

  it("the Last command sensor shows ok / error, with the command, node and error as attributes", () => {
    const sensor = byKey("last_command");
    expect(sensor).toMatchObject({ state_topic: t.lastCommand, json_attributes_topic: t.lastCommand, entity_category: "diagnostic" });
    const [ok, refused] = SAMPLES[t.lastCommand]!;
    expect(render(sensor.value_template!, ok!)).toBe("ok");
    expect(render(sensor.value_template!, refused!)).toBe("error");
    // No attributes template: HA takes the payload's keys as they are.
    expect(JSON.parse(refused!)).toEqual({ status: "error", command: "push", node: "!a76f40da", error: "the radio's own node" });
    expect(JSON.parse(ok!)).toEqual({ status: "ok", command: "sync", node: null, error: null });
  });

  it("the number sends whole seconds only: HA 2024.2 does not enforce step, so a fraction is rounded, never refused", async () => {
    const n = byKey("interval");
    const h = fakeHandlers();
    for (const [typed, sent] of [[45.5, "46"], [600, "600"], [30.2, "30"], [86400, "86400"]] as const) {
      const out = renderCommand(n.command_template as string, typed);
      expect(out, String(typed)).toBe(sent);
      expect(await handleRequest("interval", Buffer.from(out), h)).toMatchObject({ status: "ok" });
    }
  });

  it("sensors render the published numbers; Last sync reads only what exists once there was a sync", () => {
    const lastSync = byKey("last_sync");
    expect(lastSync.state_topic).toBe(t.syncLast);
    expect(render(lastSync.value_template!, JSON.stringify(lastSyncOf(sampleStats() as unknown as SyncStats)))).toBe("2025-10-09T08:53:20.000Z");
    expect(lastSyncOf(initialStats() as unknown as SyncStats)).toBeNull();
    const lastError = byKey("last_error");
    expect(lastError).toMatchObject({ state_topic: t.syncStats, entity_category: "diagnostic" });
    expect(render(lastError.value_template!, JSON.stringify(sampleStats({ last_error: "the radio is not connected" })))).toBe("the radio is not connected");
    expect(render(lastError.value_template!, JSON.stringify(initialStats()))).toBe("None");
    expect(render(byKey("last_duration").value_template!, JSON.stringify(sampleStats()))).toBe("830");
    expect(render(byKey("nodes_missing_key").value_template!, JSON.stringify(sampleStats()))).toBe("5");
  });

  it("the NodeDB health sensors show the radio's figures; Nodes in radio is unknown before the radio's first dump", () => {
    for (const key of ["radio_nodes", "nodes_only_in_directory"]) {
      expect(byKey(key)).toMatchObject({ state_topic: t.syncStats, state_class: "measurement" });
    }
    // A figure users watch (HA's overview shows it); the other is technical.
    expect(byKey("radio_nodes")).not.toHaveProperty("entity_category");
    expect(byKey("nodes_only_in_directory").entity_category).toBe("diagnostic");
    expect(byKey("radio_nodes").name).toBe("Nodes in radio");
    expect(byKey("nodes_only_in_directory").name).toBe("Nodes only in directory");
    const after = built[2]!;
    expect(render(byKey("radio_nodes").value_template!, JSON.stringify(after))).toBe("6");
    expect(render(byKey("nodes_only_in_directory").value_template!, JSON.stringify(after))).toBe("3");
    // Python's None: a numeric MQTT sensor takes it as unknown, without a warning (HA 2024.2).
    expect(render(byKey("radio_nodes").value_template!, JSON.stringify(built[1]))).toBe("None");
    expect(render(byKey("nodes_only_in_directory").value_template!, JSON.stringify(built[1]))).toBe("4");
  });
});
