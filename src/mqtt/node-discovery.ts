// Per-node Home Assistant entities (CONTRACT.md: "Per-node binary sensors ... follow
// homeassistant.node_entities"). Pure: which nodes get an entity, each one's config, and which
// configs to clear when a node leaves the set.
import { commonFields, deviceSlug, type DiscoveryMessage, type DiscoveryOptions } from "./ha-device.js";
import { bridgeTopics, discoveryTopic } from "./topics.js";
import { parseNodeId, nodeId as formatNodeId } from "../node-id.js";

export type NodeEntitiesMode = "none" | "watched" | "all";

export interface NodeEntityInfo {
  id: string;
  long_name?: string | null;
}

/** `<prefix>/binary_sensor/<device>/node_<8 hex>/config`. */
export function nodeDiscoveryTopic(opts: Pick<DiscoveryOptions, "base" | "prefix">, id: string): string {
  return discoveryTopic(opts.prefix, "binary_sensor", deviceSlug(opts.base), nodeObjectId(id));
}

/** The problem sensor of one node: on whenever its status is anything but "ok". */
export function buildNodeDiscovery(opts: DiscoveryOptions, node: NodeEntityInfo): DiscoveryMessage {
  const t = bridgeTopics(opts.base);
  const objectId = nodeObjectId(node.id);
  const id = canonical(node.id);
  const label = node.long_name ? `${node.long_name} (${id})` : id;
  return {
    topic: nodeDiscoveryTopic(opts, node.id),
    payload: {
      name: `Key ${label}`,
      unique_id: `${deviceSlug(opts.base)}_${objectId}`,
      state_topic: t.node(id),
      value_template: "{{ 'OFF' if value_json.status == 'ok' else 'ON' }}",
      json_attributes_topic: t.node(id),
      device_class: "problem",
      icon: "mdi:key-wireless",
      ...commonFields(opts, t),
    },
  };
}

/**
 * The nodes that should have an entity. `watched` takes only watched nodes the directory
 * knows: an entity for a node we never saw would have no state topic to read, and a forgotten
 * node must lose its entity even while it stays on the watch list.
 */
export function selectNodeEntities(
  mode: NodeEntitiesMode,
  watch: readonly string[],
  known: Iterable<string>,
): Set<string> {
  if (mode === "none") return new Set();
  const all = new Set<string>();
  for (const id of known) all.add(canonical(id));
  if (mode === "all") return all;
  const watched = new Set(watch.map(canonical));
  return new Set([...all].filter((id) => watched.has(id)));
}

function canonical(id: string): string {
  const num = parseNodeId(id);
  if (num === null) throw new Error(`not a node id: "${id}"`);
  return formatNodeId(num);
}

function nodeObjectId(id: string): string {
  return `node_${canonical(id).slice(1)}`;
}
