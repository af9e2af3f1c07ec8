// The radio's shapes (NodeDB dumps, keys from live packets) as the directory's observations.
// The one place that knows how a RemoteNode maps onto the key rules' input.
import type { Observation } from "../directory/merge.js";
import type { KeySeen, NodeDbDump, RemoteNode } from "../radio/link.js";
import type { DumpReading } from "./nodedb-emptied.js";

/**
 * A NodeDB dump's nodes. The radio's own node is merged like any other: other nodes DM it,
 * its key can be cloned too, and other gateways need it. A dump with no node but the radio's
 * own is read by nodedb-emptied.ts: from a radio that may refuse us (2.8 access control) it
 * means "nothing learned", never "every node vanished": null, and nothing is merged, not even
 * the own node; from one that cannot (`emptied`), it is the complete, empty NodeDB.
 */
export function observeDump(dump: NodeDbDump, reading: DumpReading = dump.nodes.length > 0 ? "listed" : "refused"): Observation[] | null {
  if (reading === "refused") return null;
  const nodes = dump.own ? [dump.own, ...dump.nodes] : dump.nodes;
  return nodes.map(observeNode);
}

function observeNode(node: RemoteNode): Observation {
  const obs: Observation = {
    num: node.num,
    longName: node.longName,
    shortName: node.shortName,
    key: node.publicKey,
    heardAt: node.lastHeard,
    verified: node.verified,
    ignored: node.ignored,
  };
  // No User in the radio's entry says nothing of the traits: the last ones known stay, as names do.
  if (node.traits !== null) obs.traits = node.traits;
  // Firmware 2.8: the radio verified the node's signed NodeInfo (NodeInfo.has_xeddsa_signed).
  if (node.signed === true) obs.signed = true;
  return obs;
}

/** A key from a live packet: the node was heard just now (unless the 2.8 replay repeats an old packet). */
export function observeKeySeen(seen: KeySeen): Observation {
  const obs: Observation = { num: seen.num, key: seen.publicKey };
  // A replayed packet is not a sign of life: a re-flashed node's old entry must stay silent.
  if (seen.replayed !== true) obs.heardAt = "now";
  // MeshPacket.xeddsa_signed: the radio checked the NodeInfo's signature.
  if (seen.signed === true) obs.signed = true;
  if (seen.longName !== undefined) obs.longName = seen.longName;
  if (seen.shortName !== undefined) obs.shortName = seen.shortName;
  if (seen.traits !== undefined) obs.traits = seen.traits;
  return obs;
}
