// Which node a full NodeDB gives up for a new one, as the firmware decides it
// (src/mesh/NodeDB.cpp, NodeDB::getOrCreateMeshNode): the oldest "boring" node (no public key,
// not a favourite, not ignored) goes first; failing that, the oldest node that is not a
// favourite, not ignored and not manually verified. Our own node is never a candidate.
// Pure over the nodes it is given.
import type { SimNode } from "./nodedb.js";

/** The node to evict, or null when every node is protected (the firmware then stores nothing). */
export function pickEviction(nodes: Iterable<Readonly<SimNode>>): Readonly<SimNode> | null {
  let oldest: Readonly<SimNode> | null = null;
  let oldestBoring: Readonly<SimNode> | null = null;
  for (const node of nodes) {
    if (node.isFavorite || node.isIgnored) continue;
    if (!node.verified && (oldest === null || node.lastHeard < oldest.lastHeard)) oldest = node;
    if (node.publicKey === null && (oldestBoring === null || node.lastHeard < oldestBoring.lastHeard)) oldestBoring = node;
  }
  return oldestBoring ?? oldest;
}
