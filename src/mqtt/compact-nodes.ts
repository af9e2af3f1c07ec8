// The payloads of `<base>/bridge/nodes` and `<base>/bridge/alerts` (CONTRACT.md): every node
// in compact form, as Zigbee2MQTT's `bridge/devices` lists devices, for dashboards that want
// the whole mesh in one message; and the nodes that need attention, small enough for a Home
// Assistant sensor's attributes (16 KB). Pure.
import { needsAttention } from "../directory/health.js";
import type { KeyRecord, NodeStatus } from "../directory/record.js";

/** One node of `bridge/nodes`: the fields of `nodes/<id>` a list needs, by the same names. */
export interface CompactNode {
  id: string;
  long_name: string;
  short_name: string;
  status: NodeStatus;
  key_fingerprint: string | null;
  in_radio: boolean;
}

export interface NodeLists {
  nodes: CompactNode[];
  alerts: CompactNode[];
}

/**
 * Both lists, in the order given: the directory's announced records come by node number, so
 * the lists are stable and a change of one node changes one entry.
 */
export function compactNodeLists(records: readonly (readonly [Readonly<KeyRecord>, NodeStatus])[]): NodeLists {
  const nodes = records.map(([record, status]) => compactNode(record, status));
  return { nodes, alerts: nodes.filter((node) => needsAttention(node.status)) };
}

/** Built from the record itself: a full NodeView would base64 every key for nothing. */
export function compactNode(record: Readonly<KeyRecord>, status: NodeStatus): CompactNode {
  return {
    id: record.id,
    long_name: record.longName,
    short_name: record.shortName,
    status,
    key_fingerprint: record.fingerprint,
    in_radio: record.inRadio,
  };
}
