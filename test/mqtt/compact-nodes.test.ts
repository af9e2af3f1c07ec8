import { describe, expect, it } from "vitest";
import { toView, type NodeStatus } from "../../src/directory/record.js";
import { compactNode, compactNodeLists } from "../../src/mqtt/compact-nodes.js";
import { key, record } from "../directory/util.js";

const STATUSES: NodeStatus[] = ["ok", "missing", "weak", "duplicate", "changed", "radio_stale"];

describe("compactNodeLists", () => {
  it("lists every node in the order given, with exactly the contract's fields, equal to its nodes/<id>", () => {
    const records = STATUSES.map((status, i) => [record(i + 1, status === "missing" ? null : key(i), { longName: `Node ${i}`, shortName: `N${i}`, inRadio: i % 2 === 0 }), status] as const);
    const { nodes } = compactNodeLists(records);
    expect(nodes.map((n) => n.id)).toEqual(records.map(([r]) => r.id));
    for (const [i, node] of nodes.entries()) {
      expect(Object.keys(node).sort()).toEqual(["id", "in_radio", "key_fingerprint", "long_name", "short_name", "status"]);
      // The same values as the node's own topic: one shape per datum.
      const [r, status] = records[i]!;
      const view = toView(r, status);
      expect(node).toEqual({ id: view.id, long_name: view.long_name, short_name: view.short_name, status: view.status, key_fingerprint: view.key_fingerprint, in_radio: view.in_radio });
    }
    expect(nodes[1]).toMatchObject({ status: "missing", key_fingerprint: null, in_radio: false });
  });

  it("alerts: exactly the nodes whose status is neither ok nor missing, in the same order", () => {
    const records = [...STATUSES, ...STATUSES].map((status, i) => [record(100 - i, key(i)), status] as const);
    const { nodes, alerts } = compactNodeLists(records);
    expect(alerts.map((n) => n.status)).toEqual(["weak", "duplicate", "changed", "radio_stale", "weak", "duplicate", "changed", "radio_stale"]);
    expect(alerts).toEqual(nodes.filter((n) => n.status !== "ok" && n.status !== "missing"));
    expect(compactNodeLists([])).toEqual({ nodes: [], alerts: [] });
  });

  it("a compact node holds no key material", () => {
    const node = compactNode(record(7, key(7)), "ok");
    expect(JSON.stringify(node)).not.toContain(Buffer.from(key(7)).toString("base64"));
  });
});
