// Pure key health: the CONTRACT.md `status` of a node and the alerts raised when a node
// newly enters `weak` or `duplicate`. The only I/O here is loadLowEntropyHashes(), called
// once at start-up; every other function takes the hash set as a parameter.
import { readFileSync } from "node:fs";
import { radioStale, type KeyRecord, type NodeStatus } from "./record.js";
import { crc32 } from "./crc32.js";
import type { KeyEvent } from "./events.js";

/** What health needs of a record; KeyRecord satisfies it. */
export type HealthNode = Pick<
  KeyRecord,
  "num" | "id" | "key" | "keyHash" | "fingerprint" | "changed" | "firstSeen" | "lastSeen" | "confirmedKey" | "radioKey"
>;

/** The firmware's list (assets/…), resolved from this module so it works from src/ and dist/. */
export const LOW_ENTROPY_LIST_URL = new URL("../../assets/low-entropy-key-hashes.txt", import.meta.url);

/** Lines of 64 hex chars; "#" comments and blank lines are skipped. Throws on anything else. */
export function parseHashList(text: string): Set<string> {
  const hashes = new Set<string>();
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!/^[0-9a-f]{64}$/i.test(line)) throw new Error(`line ${index + 1}: not a SHA-256 hex digest: ${line}`);
    hashes.add(line.toLowerCase());
  }
  return hashes;
}

/**
 * SHA-256 hashes of public keys the firmware knows to be low-entropy or cloned
 * (CVE-2025-52464; firmware src/mesh/NodeDB.h LOW_ENTROPY_HASHES).
 */
export function loadLowEntropyHashes(file: URL | string = LOW_ENTROPY_LIST_URL): ReadonlySet<string> {
  return parseHashList(readFileSync(file, "utf8"));
}

/**
 * Two nodes holding the same key are a 2.8 renumbering, not a clone, when one of them has
 * the number crc32(key) (firmware 2.8 derives node numbers that way) and the other has not
 * been heard since that one first appeared: the device moved to its new number and the old
 * entry is a leftover. If the old number is still heard afterwards, two devices share it.
 */
export function isRenumbering(a: HealthNode, b: HealthNode): boolean {
  if (a.key === null || a.keyHash === null || a.keyHash !== b.keyHash || a.num === b.num) return false;
  const derived = crc32(a.key);
  if (a.num >>> 0 === derived) return b.lastSeen <= a.firstSeen;
  if (b.num >>> 0 === derived) return a.lastSeen <= b.firstSeen;
  return false;
}

/** The nodes in `sameKey` that `node` is a real duplicate with (renumbering leftovers excluded). */
export function duplicatePeers(node: HealthNode, sameKey: readonly HealthNode[]): HealthNode[] {
  if (node.keyHash === null) return [];
  return sameKey.filter((peer) => peer.num !== node.num && peer.keyHash === node.keyHash && !isRenumbering(node, peer));
}

/**
 * CONTRACT.md status, first that applies. `sameKey` holds the directory's nodes with the
 * same key hash (it may include `node` itself).
 */
export function nodeStatus(
  node: HealthNode,
  sameKey: readonly HealthNode[],
  weakHashes: ReadonlySet<string>,
): NodeStatus {
  if (node.keyHash !== null && weakHashes.has(node.keyHash)) return "weak";
  if (duplicatePeers(node, sameKey).length > 0) return "duplicate";
  if (node.changed) return "changed";
  // After accept_key of a re-flashed node's new key, the radio still holds the old one
  // (firmware keeps the first key, NodeDB::updateUser) and DMs to the node fail.
  if (radioStale(node)) return "radio_stale";
  return plainStatus(node);
}

/** The status of a node that raises no alert: missing without a key, else ok. */
export function plainStatus(node: Pick<HealthNode, "key">): NodeStatus {
  return node.key === null ? "missing" : "ok";
}

/**
 * CONTRACT.md `alerts` and `bridge/alerts`: a status someone should look at. A node without
 * a key (`missing`) is common on any mesh and needs nothing from a human.
 */
export function needsAttention(status: NodeStatus): boolean {
  return status !== "ok" && status !== "missing";
}

/** Alerts for a status transition: raised only when the node newly enters `weak` or `duplicate`. */
export function statusEvents(
  node: HealthNode,
  previous: NodeStatus | null,
  next: NodeStatus,
  sameKey: readonly HealthNode[],
): KeyEvent[] {
  if (next === previous || node.fingerprint === null) return [];
  if (next === "weak") return [{ type: "weak_key", data: { id: node.id, fingerprint: node.fingerprint } }];
  if (next === "duplicate") {
    const ids = [node, ...duplicatePeers(node, sameKey)].map((n) => n.id).sort();
    return [{ type: "duplicate_key", data: { id: node.id, fingerprint: node.fingerprint, ids } }];
  }
  return [];
}

/** Status of every node at once (a full recomputation; the directory updates incrementally). */
export function computeStatuses(
  nodes: Iterable<HealthNode>,
  weakHashes: ReadonlySet<string>,
): Map<number, NodeStatus> {
  const all = [...nodes];
  const byHash = new Map<string, HealthNode[]>();
  for (const node of all) {
    if (node.keyHash === null) continue;
    const group = byHash.get(node.keyHash);
    if (group) group.push(node);
    else byHash.set(node.keyHash, [node]);
  }
  const statuses = new Map<number, NodeStatus>();
  for (const node of all) {
    const group = node.keyHash === null ? [] : (byHash.get(node.keyHash) ?? []);
    statuses.set(node.num, nodeStatus(node, group, weakHashes));
  }
  return statuses;
}
