// The examples in examples/home-assistant/ work with what the bridge announces: the YAML
// parses (blueprint tags included), every entity id they name is one Home Assistant derives
// from our discovery (or from the example sensor), every event type they name is announced,
// and the alerts sensor keeps its attributes under Home Assistant's 16 KB limit.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, type ScalarTag } from "yaml";
import { compactNodeLists } from "../../src/mqtt/compact-nodes.js";
import { buildDiscovery, buildNodeDiscovery, type DiscoveryMessage } from "../../src/mqtt/discovery.js";
import { bridgeDeviceName } from "../../src/mqtt/ha-device.js";
import { parseDiscoveryTopic } from "../../src/mqtt/topics.js";
import { BRIDGE_EVENT_TYPES } from "../../src/sync/events.js";
import { key, record } from "../directory/util.js";
import { parseJinja, realRender } from "../mqtt/jinja-real.js";

const DIR = join(import.meta.dirname, "../../examples/home-assistant");
const read = (file: string): string => readFileSync(join(DIR, file), "utf8");
// Home Assistant's blueprint tag: `!input name` stands for an input's value.
const inputTag: ScalarTag = { tag: "!input", resolve: (name: string) => ({ input: name }) };
const load = (file: string): unknown => parse(read(file), { customTags: [inputTag] });

// CONTRACT.md "bridge/event types". key_conflict, radio_key_stale and bridge_conflict are
// being added to the code elsewhere: the blueprint may name them before they land.
const CONTRACT_EVENT_TYPES = [
  "key_added", "key_changed", "key_missing", "key_mismatch", "weak_key", "duplicate_key", "remote_lacks_our_key",
  "radio_slot_taken", "sync_failed", "key_conflict", "radio_key_stale", "bridge_conflict",
  "radio_nodedb_emptied", "first_sync", "identity_replaced",
];

/**
 * Home Assistant's frontend on the logbook card's config (hui-logbook-card setConfig): up to
 * 20241127.x (HA 2024.12) it requires `entities` and has no `target`; from 20241223.0 (HA
 * 2025.1) it takes `target` or `entities`. null: the card loads.
 */
function logbookCardError(card: Record<string, unknown>, frontend: number): string | null {
  const entities = card.entities;
  const hasEntities = Array.isArray(entities) && entities.length > 0;
  if (frontend < 20241223) return hasEntities ? null : "Entities must be specified";
  return hasEntities || card.target !== undefined ? null : "Entities or target must be specified";
}

/** Home Assistant's slugify for entity ids (util/__init__.py: unidecode, lower case, `_` for the rest). */
function slugify(text: string): string {
  return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

/** The entity id HA gives a discovered entity with a device: `<domain>.<device name> <entity name>`. */
function entityId(m: DiscoveryMessage, prefix = "homeassistant"): string {
  const domain = parseDiscoveryTopic(prefix, m.topic)!.component;
  const device = (m.payload.device as { name: string }).name;
  return `${domain}.${slugify(`${device} ${m.payload.name as string}`)}`;
}

const opts = { base: "meshtastic-keysync", prefix: "homeassistant", version: "0", push: true };
const bridgeIds = buildDiscovery(opts).map((m) => entityId(m));
const sensorYaml = load("alerts-sensor.yaml") as { mqtt: { sensor: Array<Record<string, string>> } };
const alertsSensor = sensorYaml.mqtt.sensor[0]!;
// A YAML entity without a device: its id is its name, slugified.
const exampleIds = [`sensor.${slugify(alertsSensor.name!)}`];
const ENTITY_ID = /\b(?:sensor|binary_sensor|button|number|switch|event)\.[a-z0-9_]+/g;

describe("the examples", () => {
  it("derive entity ids as Home Assistant does", () => {
    expect(bridgeDeviceName("meshtastic-keysync")).toBe("Meshtastic KeySync");
    expect(bridgeIds).toContain("button.meshtastic_keysync_sync_now");
    expect(bridgeIds).toContain("sensor.meshtastic_keysync_last_sync_duration");
    const node = buildNodeDiscovery(opts, { id: "!a76f40da", long_name: "Gäste-Haus 1", pushable: true }).map((m) => entityId(m));
    expect(node).toEqual([
      "binary_sensor.gaste_haus_1_key_problem",
      "sensor.gaste_haus_1_key_fingerprint",
      "button.gaste_haus_1_push_key_to_radio",
      "button.gaste_haus_1_accept_new_key",
      "button.gaste_haus_1_reject_new_key",
    ]);
  });

  it("the dashboard parses and names only entities the bridge or the example sensor announces", () => {
    const dashboard = load("dashboard.yaml") as { views: Array<{ cards: unknown[] }> };
    expect(dashboard.views[0]!.cards.length).toBeGreaterThan(3);
    const code = read("dashboard.yaml").split("\n").filter((line) => !line.trim().startsWith("#")).join("\n");
    const named = [...new Set(code.match(ENTITY_ID) ?? [])];
    expect(named.length).toBeGreaterThan(10);
    for (const id of named) expect([...bridgeIds, ...exampleIds], id).toContain(id);
    // Bridge status, sync controls and the alerts sensor are all on it.
    for (const id of ["binary_sensor.meshtastic_keysync_radio", "button.meshtastic_keysync_sync_now", "switch.meshtastic_keysync_periodic_sync", "number.meshtastic_keysync_sync_interval", "sensor.meshtastic_keysync_nodes_in_radio", "sensor.meshtastic_keysync_nodes_only_in_directory", ...exampleIds]) {
      expect(named).toContain(id);
    }
  });

  it("every template in the examples is Jinja", () => {
    const dashboard = load("dashboard.yaml") as { views: Array<{ cards: Array<{ content?: string }> }> };
    const templates = dashboard.views[0]!.cards.flatMap((c) => (c.content === undefined ? [] : [c.content]));
    expect(templates).toHaveLength(1);
    const blueprint = load("blueprints/meshtastic_keysync_notify.yaml") as Record<string, unknown>;
    const strings = JSON.stringify(blueprint).match(/"[^"]*\{[{%][^"]*"/g)!.map((s) => JSON.parse(s) as string);
    for (const t of [...templates, ...strings, alertsSensor.value_template!, alertsSensor.json_attributes_template!]) {
      expect(() => parseJinja(t), t).not.toThrow();
    }
  });

  it("the dashboard lists the nodes needing attention, one per line, and says how many it left out", () => {
    const dashboard = load("dashboard.yaml") as { views: Array<{ cards: Array<{ title?: string; content?: string }> }> };
    const card = dashboard.views[0]!.cards.find((c) => c.title === "Needs attention")!;
    const attributes: Record<string, unknown> = { nodes: [{ id: "!00000001", long_name: "Hut", status: "weak" }, { id: "!00000002", long_name: "", status: "changed" }], total: 5 };
    const lines = realRender(card.content!, "", { state_attr: (_entity: string, name: string) => attributes[name] })
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.length > 0);
    expect(lines).toEqual(["- **Hut** (!00000001): weak", "- **!00000002** (!00000002): changed", "… and 3 more."]);
    const none = realRender(card.content!, "", { state_attr: () => null }).trim();
    expect(none).toBe("Every node's key is fine.");
  });

  it("the dashboard's cards load on every Home Assistant version the README names (the frontend's rule per version)", () => {
    const dashboard = load("dashboard.yaml") as { views: Array<{ cards: Array<Record<string, unknown>> }> };
    const logbooks = dashboard.views[0]!.cards.filter((c) => c.type === "logbook");
    expect(logbooks).toHaveLength(1);
    // The README says "2024.2 or later": the oldest, the last before the change, the change.
    for (const frontend of [20240207, 20241127, 20241223, 20250109]) {
      for (const card of logbooks) expect(logbookCardError(card, frontend), String(frontend)).toBeNull();
    }
    // The rule itself: a target-only card fails before 20241223.0.
    expect(logbookCardError({ type: "logbook", target: { entity_id: "event.x" } }, 20240207)).not.toBeNull();
    expect(logbookCardError({ type: "logbook", target: { entity_id: "event.x" } }, 20241223)).toBeNull();
    expect(read("README.md")).toContain("Home Assistant 2024.2 or later");
  });

  it("the blueprint renders cleanly when the event entity is unavailable or unknown, and its trigger ignores those states", () => {
    const blueprint = load("blueprints/meshtastic_keysync_notify.yaml") as {
      trigger: Array<{ not_to?: string[] }>;
      variables: Record<string, unknown>;
    };
    expect(blueprint.trigger[0]!.not_to).toEqual(["unavailable", "unknown"]);
    // HA logs a template warning for a value that is undefined: every variable must be defined
    // on a state without the event's attributes (bridge stop: unavailable; HA start: unknown).
    for (const state of ["unavailable", "unknown"]) {
      const trigger = { from_state: { state: "on", attributes: {} }, to_state: { state, attributes: {} } };
      let context: Record<string, unknown> = { trigger };
      for (const name of ["kind", "data", "node_id"]) {
        const template = blueprint.variables[name] as string;
        const expression = /^\{\{(.*)\}\}$/s.exec(template.trim())![1]!;
        expect(realRender(`{{ (${expression}) is defined }}`, "", context), `${name} on ${state}`).toBe("true");
        const value = realRender(template, "", context);
        context = { ...context, [name]: name === "data" ? {} : value };
      }
      expect(context.kind).toBe("");
      expect(context.node_id).toBe("");
    }
  });

  it("the blueprint notifies on the key events that want a human, from the bridge's event entity", () => {
    const blueprint = load("blueprints/meshtastic_keysync_notify.yaml") as {
      blueprint: { domain: string; input: { event_entity: { default: string } } };
      trigger: Array<{ entity_id: unknown }>;
      variables: { wanted: string[] };
    };
    expect(blueprint.blueprint.domain).toBe("automation");
    expect(blueprint.trigger[0]!.entity_id).toEqual({ input: "event_entity" });
    expect(bridgeIds).toContain(blueprint.blueprint.input.event_entity.default);
    const wanted = blueprint.variables.wanted;
    expect([...wanted].sort()).toEqual(["duplicate_key", "identity_replaced", "key_changed", "key_conflict", "radio_key_stale", "radio_slot_taken", "sync_failed", "weak_key"]);
    // Announced: by the contract now, and by the event entity for every type the code has.
    for (const type of wanted) expect(CONTRACT_EVENT_TYPES, type).toContain(type);
    for (const type of BRIDGE_EVENT_TYPES) expect(CONTRACT_EVENT_TYPES, `contract lists ${type}`).toContain(type);
    const eventTypes = buildDiscovery(opts).find((m) => m.topic.includes("/event/"))!.payload.event_types as string[];
    expect(eventTypes).toEqual([...BRIDGE_EVENT_TYPES]);
    // Every message branch names a type the blueprint listens for.
    const branches = [...read("blueprints/meshtastic_keysync_notify.yaml").matchAll(/kind == '([a-z_]+)'/g)].map((m) => m[1]);
    expect([...new Set(branches)].sort()).toEqual([...wanted].sort());
  });

  it("the dashboard's node problems come from bridge/alerts alone, not from per-node entities", () => {
    const code = read("dashboard.yaml");
    expect(code).not.toMatch(/states\.binary_sensor|attributes\.status/);
    const dashboard = load("dashboard.yaml") as { views: Array<{ cards: Array<{ content?: string }> }> };
    const [card] = dashboard.views[0]!.cards.filter((c) => c.content !== undefined);
    expect(card!.content).toContain(exampleIds[0]);
  });

  it("the alerts sensor reads the bridge's bridge/alerts and keeps its attributes under 16 KB even for 250 worst-case nodes", () => {
    expect(alertsSensor.state_topic).toBe("meshtastic-keysync/bridge/alerts");
    expect(alertsSensor.json_attributes_topic).toBe("meshtastic-keysync/bridge/alerts");
    // bridge/alerts as the bridge builds it, for nodes with the longest names Meshtastic allows.
    const records = Array.from({ length: 250 }, (_, i) => [record(i + 1, key(i), { longName: "😀".repeat(9) + "abc", shortName: "😀", inRadio: true }), "duplicate"] as const);
    const payload = JSON.stringify(compactNodeLists(records).alerts);
    const attributes = realRender(alertsSensor.json_attributes_template!, payload);
    expect(Buffer.byteLength(attributes)).toBeLessThan(16 * 1024);
    const parsed = JSON.parse(attributes) as { nodes: Array<{ id: string; status: string }>; shown: number; total: number };
    expect(parsed).toMatchObject({ shown: 40, total: 250 });
    expect(parsed.nodes[0]).toMatchObject({ id: "!00000001", status: "duplicate" });
    expect(realRender(alertsSensor.value_template!, payload).trim()).toBe("250");
    // A few alerts: all of them, and the count; none: an empty list.
    const few = JSON.stringify(compactNodeLists(records.slice(0, 3)).alerts);
    expect(JSON.parse(realRender(alertsSensor.json_attributes_template!, few))).toMatchObject({ shown: 3, total: 3 });
    expect(realRender(alertsSensor.value_template!, "[]").trim()).toBe("0");
    // The retained clear: no template error, no attributes.
    expect(realRender(alertsSensor.json_attributes_template!, "").trim()).toBe("{}");
    expect(realRender(alertsSensor.value_template!, "").trim()).toBe("0");
  });
});
