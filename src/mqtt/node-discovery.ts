// Per-node Home Assistant entities (CONTRACT.md: "Per-node entities belong to one device per
// node ... follow homeassistant.node_entities"). Pure: which nodes get entities, each node's
// configs, and which topics a node's entities live on (to clear them when it leaves the set).
import { bridgeDeviceId, commonFields, deviceSlug, type DiscoveryMessage, type DiscoveryOptions, type DiscoveryPayload } from "./ha-device.js";
import { bridgeTopics, discoveryTopic } from "./topics.js";
import { parseNodeId, nodeId as formatNodeId } from "../node-id.js";

export type NodeEntitiesMode = "none" | "watched" | "all";

export interface NodeEntityInfo {
  id: string;
  long_name?: string | null;
  /**
   * The node may get a "Push key to radio" button (with push.enabled): it has a key, and it
   * is not the radio's own node. Default false.
   */
  pushable?: boolean;
}

/** One kind of per-node entity. `suffix` follows `node_<8 hex>` in object and unique id; never change one. */
interface NodeEntitySpec {
  component: "binary_sensor" | "sensor" | "button";
  suffix: string;
  name: string;
  /** Only with push.enabled, and only for a pushable node. */
  push?: true;
  fields: (id: string, t: ReturnType<typeof bridgeTopics>) => DiscoveryPayload;
}

/**
 * Availability from the node's own status on top of the bridge's: `when` is a condition on
 * value_json (nodes/<id>). The retained clear (no value_json) makes the entity unavailable.
 */
function availableWhen(id: string, t: ReturnType<typeof bridgeTopics>, when: string): DiscoveryPayload {
  return {
    availability: [
      { topic: t.bridgeState, value_template: "{{ value_json.state }}" },
      { topic: t.node(id), value_template: `{{ 'online' if value_json is defined and ${when} else 'offline' }}` },
    ],
    availability_mode: "all",
  };
}

// What the node commands accept (mqtt/commands.ts nodeCommand): {"id": "!xxxxxxxx"}.
const nodeButton = (command: string, icon: string, when: string) => (id: string, t: ReturnType<typeof bridgeTopics>) => ({
  command_topic: t.request(command),
  payload_press: JSON.stringify({ id }),
  icon,
  ...availableWhen(id, t, when),
});

// A retained clear of nodes/<id> can reach an entity Home Assistant is still removing (it
// unsubscribes asynchronously after the discovery clear): every template tolerates the empty
// payload (no value_json), and an empty rendering is ignored by binary sensors.
const NODE_ENTITIES: readonly NodeEntitySpec[] = [
  {
    component: "binary_sensor",
    suffix: "",
    name: "Key problem",
    fields: (id, t) => ({
      state_topic: t.node(id),
      // A node another identity replaced (firmware 2.8 re-flash) keeps status ok and its key,
      // but it is a problem for the user to settle: forget it or keep it.
      value_template: "{{ ('OFF' if value_json.status == 'ok' and not value_json.replaced_by else 'ON') if value_json is defined else '' }}",
      json_attributes_topic: t.node(id),
      json_attributes_template: "{{ value_json | to_json if value_json is defined else '{}' }}",
      // No icon: the problem class's own on/off icons say which state it is in.
      device_class: "problem",
    }),
  },
  {
    component: "sensor",
    suffix: "_fingerprint",
    name: "Key fingerprint",
    fields: (id, t) => ({
      state_topic: t.node(id),
      // None: HA's MQTT sensor reads it as unknown (HA 2024.10 on; earlier ones show "None").
      value_template: "{{ value_json.key_fingerprint if value_json is defined and value_json.key_fingerprint else None }}",
      entity_category: "diagnostic",
      icon: "mdi:fingerprint",
    }),
  },
  {
    component: "button",
    suffix: "_push",
    name: "Push key to radio",
    push: true,
    // The push policy refuses a changed node's key until accept_key or reject_key, and a
    // replaced node's key for good.
    fields: nodeButton("push", "mdi:key-arrow-right", "value_json.has_key and value_json.status != 'changed' and not value_json.replaced_by"),
  },
  // The answer to a key_changed alert, from Home Assistant: available while the node is
  // `changed` (status shows weak and duplicate before changed: then the commands remain).
  {
    component: "button",
    suffix: "_accept",
    name: "Accept new key",
    fields: nodeButton("accept_key", "mdi:key-chain", "value_json.status == 'changed'"),
  },
  {
    component: "button",
    suffix: "_reject",
    name: "Reject new key",
    fields: nodeButton("reject_key", "mdi:key-remove", "value_json.status == 'changed'"),
  },
];

/** Entity names of a node's device, e.g. for checks that a device name is not their prefix. */
export const NODE_ENTITY_NAMES: readonly string[] = NODE_ENTITIES.map((e) => e.name);

/**
 * The node's device name: its long name, as Home Assistant's Meshtastic integration shows
 * nodes. HA (2024.2 on) warns about, and strips, a device name that starts an entity's name,
 * so such a long name (or none) gets the node id added.
 */
export function nodeDeviceName(id: string, longName?: string | null): string {
  const name = (longName ?? "").trim();
  if (name.length === 0) return canonical(id);
  return NODE_ENTITY_NAMES.some((entity) => entity.startsWith(name)) ? `${name} (${canonical(id)})` : name;
}

/** The topics a node's entities can live on (all kinds, also those disabled by config). */
export function nodeDiscoveryTopics(opts: Pick<DiscoveryOptions, "base" | "prefix">, id: string): string[] {
  return NODE_ENTITIES.map((e) => entityTopic(opts, e, id));
}

/** The push button's topic of a node. */
export function nodePushTopic(opts: Pick<DiscoveryOptions, "base" | "prefix">, id: string): string {
  return entityTopic(opts, NODE_ENTITIES.find((e) => e.push === true)!, id);
}

/** The problem sensor's topic: `<prefix>/binary_sensor/<device>/node_<8 hex>/config`. */
export function nodeDiscoveryTopic(opts: Pick<DiscoveryOptions, "base" | "prefix">, id: string): string {
  return entityTopic(opts, NODE_ENTITIES[0]!, id);
}

/** A discovery object id of a node entity → the node id and whether it is a push button; null for others. */
export function parseNodeObjectId(objectId: string): { id: string; push: boolean } | null {
  const match = /^node_([0-9a-f]{8})(_fingerprint|_push|_accept|_reject)?$/.exec(objectId);
  if (match === null) return null;
  return { id: `!${match[1]!}`, push: match[2] === "_push" };
}

/** The node's device and its entities (the push button only with `opts.push`, for a pushable node). */
export function buildNodeDiscovery(opts: DiscoveryOptions, node: NodeEntityInfo): DiscoveryMessage[] {
  const t = bridgeTopics(opts.base);
  const id = canonical(node.id);
  const device: DiscoveryPayload = {
    identifiers: [`${bridgeDeviceId(opts.base)}_${id}`],
    name: nodeDeviceName(id, node.long_name),
    model: "Meshtastic node",
    via_device: bridgeDeviceId(opts.base),
  };
  const common = commonFields(opts, t, device);
  const push = opts.push === true && node.pushable === true;
  return NODE_ENTITIES.filter((e) => e.push !== true || push).map((e) => ({
    topic: entityTopic(opts, e, id),
    payload: { name: e.name, unique_id: `${deviceSlug(opts.base)}_${objectId(id, e)}`, ...common, ...e.fields(id, t) },
  }));
}

/**
 * The nodes that should have entities. `watched` takes only watched nodes the directory
 * knows: an entity for a node we never saw would have no state topic to read, and a forgotten
 * node must lose its entities even while it stays on the watch list.
 */
export function selectNodeEntities(mode: NodeEntitiesMode, watch: readonly string[], known: Iterable<string>): Set<string> {
  if (mode === "none") return new Set();
  const all = new Set<string>();
  for (const id of known) all.add(canonical(id));
  if (mode === "all") return all;
  const watched = new Set(watch.map(canonical));
  return new Set([...all].filter((id) => watched.has(id)));
}

function entityTopic(opts: Pick<DiscoveryOptions, "base" | "prefix">, e: NodeEntitySpec, id: string): string {
  return discoveryTopic(opts.prefix, e.component, deviceSlug(opts.base), objectId(canonical(id), e));
}

function objectId(id: string, e: NodeEntitySpec): string {
  return `node_${id.slice(1)}${e.suffix}`;
}

function canonical(id: string): string {
  const num = parseNodeId(id);
  if (num === null) throw new Error(`not a node id: "${id}"`);
  return formatNodeId(num);
}
