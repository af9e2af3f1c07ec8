// Home Assistant MQTT discovery (CONTRACT.md "Home Assistant") as data plus one builder.
// Pure: returns {topic, payload} pairs; the caller publishes them retained.
// Keys follow https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery and the
// per-platform pages (sensor.mqtt, binary_sensor.mqtt, button.mqtt, number.mqtt,
// switch.mqtt, event.mqtt). Templates stay in a few simple forms on purpose: the tests
// evaluate them against the payloads the bridge publishes.
import { INTERVAL } from "../sync/interval.js";
import { ENABLED_OFF, ENABLED_ON, SYNC_PRESS } from "./commands.js";
import {
  commonFields,
  deviceSlug,
  type DiscoveryMessage,
  type DiscoveryOptions,
  type DiscoveryPayload,
} from "./ha-device.js";
import { BRIDGE_EVENT_TYPES } from "../sync/events.js";
import { bridgeTopics, discoveryTopic } from "./topics.js";

export { bridgeDeviceName, deviceSlug, type DiscoveryMessage, type DiscoveryOptions, type DiscoveryPayload } from "./ha-device.js";
export {
  buildNodeDiscovery,
  nodeDeviceName,
  nodeDiscoveryTopic,
  nodeDiscoveryTopics,
  parseNodeObjectId,
  selectNodeEntities,
  type NodeEntitiesMode,
  type NodeEntityInfo,
} from "./node-discovery.js";

export type Component = "sensor" | "binary_sensor" | "button" | "number" | "switch" | "event";
type StateSource = "syncStats" | "syncLast" | "radioState" | "bridgeEvent" | "lastCommand" | "bridgeHealth";

interface EntitySpec {
  component: Component;
  /** Object id and unique-id suffix; never change one (HA keys its registry on it). */
  key: string;
  name: string;
  state?: StateSource;
  /** A field of the state payload: becomes `{{ value_json.<field> }}`. */
  field?: string;
  /** A whole value template, when a field is not enough. */
  template?: string;
  /** The command (bridge/request/<command>) this entity sends to. */
  command?: string;
  extra?: DiscoveryPayload;
  /** Attributes from another state topic, through a template (json_attributes_topic/_template). */
  attributes?: { from: StateSource; template: string };
  /** Announced only with uplink.enabled. */
  uplink?: true;
}

/**
 * A figure of sync/stats. `watched`: a figure users watch, without an entity category, so
 * Home Assistant's auto-generated overview shows it (it leaves out categorised entities);
 * the rest are diagnostic.
 */
const counter = (key: string, name: string, stateClass: string, icon: string, watched = false): EntitySpec => ({
  component: "sensor",
  key,
  name,
  state: "syncStats",
  field: key,
  extra: { state_class: stateClass, ...(watched ? {} : { entity_category: "diagnostic" }), icon },
});

// Sync totals restart from 0 with the bridge: total_increasing treats a drop as a reset.
const ENTITIES: readonly EntitySpec[] = [
  counter("sync_count", "Sync count", "total_increasing", "mdi:sync"),
  counter("keys_added", "Keys added", "total_increasing", "mdi:key-plus"),
  counter("keys_updated", "Keys updated", "total_increasing", "mdi:key-change"),
  counter("nodes_with_key", "Nodes with key", "measurement", "mdi:key", true),
  counter("nodes_missing_key", "Nodes missing key", "measurement", "mdi:key-remove", true),
  counter("alerts", "Alerts", "measurement", "mdi:alert", true),
  // NodeDB health: radio_nodes is null (HA: unknown) until the radio's first complete dump.
  counter("radio_nodes", "Nodes in radio", "measurement", "mdi:radio-tower", true),
  counter("nodes_only_in_directory", "Nodes only in directory", "measurement", "mdi:database-arrow-left"),
  counter("api_clients", "API clients", "measurement", "mdi:lan-connect"),
  // A timestamp sensor needs a parsable datetime: HA 2024.2 warns on "None" (it takes None
  // only for numeric sensors), so it reads sync/last, which exists only once there was a sync.
  {
    component: "sensor",
    key: "last_sync",
    name: "Last sync",
    state: "syncLast",
    field: "last_sync_iso",
    extra: { device_class: "timestamp" },
  },
  {
    component: "sensor",
    key: "last_duration",
    name: "Last sync duration",
    state: "syncStats",
    field: "last_duration_ms",
    extra: {
      device_class: "duration",
      unit_of_measurement: "ms",
      state_class: "measurement",
      entity_category: "diagnostic",
    },
  },
  // HA refuses a state over 255 characters. No error renders None, which HA's MQTT sensor
  // reads as unknown (HA 2024.10 on; earlier versions show the text "None").
  {
    component: "sensor",
    key: "last_error",
    name: "Last error",
    state: "syncStats",
    template: "{{ value_json.last_error[:255] if value_json.last_error else None }}",
    extra: { entity_category: "diagnostic", icon: "mdi:alert-circle-outline" },
  },
  // Every request's result (bridge/last_command): a refusal HA would otherwise never show
  // (a number snapping back, a button doing nothing). Its attributes are the whole payload.
  {
    component: "sensor",
    key: "last_command",
    name: "Last command",
    state: "lastCommand",
    field: "status",
    extra: { json_attributes: true, entity_category: "diagnostic", icon: "mdi:console-line" },
  },
  {
    component: "binary_sensor",
    key: "radio",
    name: "Radio",
    state: "radioState",
    template: "{{ 'ON' if value_json.state == 'connected' else 'OFF' }}",
    extra: { device_class: "connectivity", entity_category: "diagnostic" },
  },
  {
    component: "binary_sensor",
    key: "alert",
    name: "Key alert",
    state: "syncStats",
    template: "{{ 'ON' if value_json.alerts > 0 else 'OFF' }}",
    extra: { device_class: "problem" },
  },
  {
    component: "button",
    key: "sync",
    name: "Sync now",
    command: "sync",
    extra: { payload_press: SYNC_PRESS, icon: "mdi:sync" },
  },
  {
    component: "number",
    key: "interval",
    name: "Sync interval",
    state: "syncStats",
    field: "interval",
    command: "interval",
    extra: {
      min: INTERVAL.min,
      max: INTERVAL.max,
      step: INTERVAL.step,
      mode: "box",
      // HA (2024.2 at least) does not enforce step: a fraction typed into the box would be
      // refused by the interval command, so it is rounded to whole seconds first.
      command_template: "{{ value | round(0) | int }}",
      unit_of_measurement: "s",
      device_class: "duration",
      entity_category: "config",
    },
  },
  {
    component: "switch",
    key: "enabled",
    name: "Periodic sync",
    state: "syncStats",
    template: `{{ '${ENABLED_ON}' if value_json.enabled else '${ENABLED_OFF}' }}`,
    command: "enabled",
    extra: { payload_on: ENABLED_ON, payload_off: ENABLED_OFF, entity_category: "config" },
  },
  {
    component: "event",
    key: "event",
    name: "Event",
    state: "bridgeEvent",
    // HA's MQTT event wants a JSON object with event_type; other keys become attributes.
    template: '{"event_type": "{{ value_json.type }}", "data": {{ value_json.data | to_json }}}',
    extra: { event_types: [...BRIDGE_EVENT_TYPES] },
  },
  // The mesh's MQTT uplink (uplink.enabled): keys it gave the directory; the connection's
  // state and counters (bridge/health.uplink) as attributes, for the "why nothing?" question.
  {
    component: "sensor",
    key: "uplink_keys",
    name: "Uplink keys",
    state: "syncStats",
    template: "{{ value_json.uplink_keys if value_json.uplink_keys is defined else None }}",
    attributes: { from: "bridgeHealth", template: "{{ value_json.uplink | to_json if value_json.uplink is defined else '{}' }}" },
    extra: { state_class: "total_increasing", entity_category: "diagnostic", icon: "mdi:cloud-download" },
    uplink: true,
  },
];

/** Discovery configs for the bridge device and all its fixed entities. */
export function buildDiscovery(opts: DiscoveryOptions): DiscoveryMessage[] {
  const t = bridgeTopics(opts.base);
  const id = deviceSlug(opts.base);
  const common = commonFields(opts, t);
  return ENTITIES.filter((spec) => spec.uplink !== true || opts.uplink === true).map((spec) => {
    const payload: DiscoveryPayload = { name: spec.name, unique_id: `${id}_${spec.key}` };
    if (spec.state !== undefined) payload.state_topic = t[spec.state];
    const template = spec.template ?? (spec.field === undefined ? undefined : `{{ value_json.${spec.field} }}`);
    if (template !== undefined) payload.value_template = template;
    if (spec.command !== undefined) payload.command_topic = t.request(spec.command);
    const { json_attributes: attributes, ...extra } = spec.extra ?? {};
    if (attributes === true && spec.state !== undefined) payload.json_attributes_topic = t[spec.state];
    if (spec.attributes !== undefined) {
      payload.json_attributes_topic = t[spec.attributes.from];
      payload.json_attributes_template = spec.attributes.template;
    }
    Object.assign(payload, extra, common);
    return { topic: discoveryTopic(opts.prefix, spec.component, id, spec.key), payload };
  });
}
