// The one rule for a key that may leave the bridge toward a radio or a client (CONTRACT.md
// "The push policy"): the confirmed key, not on the low-entropy list, held by no other node,
// and learned by our radio or a gateway we trust. Pushing, gateway sharing and the API server
// all ask this; none of them decides on its own. Pure. An uplink claim has no confirmed key
// until it is confirmed (uplink-trust.ts), so it never passes here before that.
import { nodeId } from "../node-id.js";
import { fingerprintFor, sha256Hex, type KeyRecord, type KeySource } from "./record.js";
import { isUplink } from "./uplink-trust.js";

export type Shareable = { key: Uint8Array; fingerprint: string } | { refused: string };

export interface ShareFacts {
  /** SHA-256 hex of low-entropy keys. */
  weakHashes: ReadonlySet<string>;
  /** Another node holds the key with this SHA-256 hex (renumbering leftovers aside, as for `duplicate`). */
  duplicated(record: Readonly<KeyRecord>, keyHash: string): boolean;
}

/**
 * A gateway source is trusted when share.trust names it or holds "*"; our radio always is. A
 * confirmed key of uplink origin was confirmed by the directory's rules (accept_key,
 * `uplink.trust: confirmed`, a self-certified NodeInfo): trusted.
 */
export function trustedOrigin(origin: KeySource | null, trust: readonly string[]): boolean {
  if (origin === "nodedb" || origin === "packet" || isUplink(origin)) return true;
  if (origin?.startsWith("gateway:") !== true) return false;
  return trust.includes("*") || trust.includes(origin.slice("gateway:".length));
}

export function shareableKey(record: Readonly<KeyRecord> | undefined, facts: ShareFacts, trust: readonly string[]): Shareable {
  if (!record) return { refused: "the node is not in the key directory" };
  if (record.notes.replacedBy !== null) {
    return { refused: `${record.id} was replaced by ${nodeId(record.notes.replacedBy)} (a firmware 2.8 re-flash): its old key is not shared or pushed; forget ${record.id} once you agree` };
  }
  const key = record.confirmedKey;
  if (key === null) {
    if (record.key !== null) return { refused: `the key of ${record.id} is an unconfirmed claim from ${record.origin ?? "the uplink"}: accept_key confirms it` };
    return { refused: `our key directory has no confirmed key for ${record.id}` };
  }
  const hash = key === record.key && record.keyHash !== null ? record.keyHash : sha256Hex(key);
  if (facts.weakHashes.has(hash)) return { refused: `the key of ${record.id} is on the low-entropy list (weak)` };
  if (facts.duplicated(record, hash)) return { refused: `the key of ${record.id} is also held by another node (duplicate)` };
  if (!trustedOrigin(record.confirmedOrigin, trust)) {
    return { refused: `the key of ${record.id} came from ${record.confirmedOrigin ?? "nowhere"}, not from our radio or a trusted gateway` };
  }
  return { key, fingerprint: fingerprintFor(record, key) ?? hash.slice(0, 16) };
}
