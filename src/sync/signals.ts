// Which live signals mean "our directory may lack a key the radio has" (FIRMWARE.md), and
// de-duplication so one noisy node raises one `key_missing` and one on-demand request per
// interval. Pure apart from the Map it keeps.
import type { NodeSeen, RoutingErrorEvent } from "../radio/link.js";

export type MissingReason = "unknown_sender" | "encrypted_from_unknown" | "radio_lacks_key";

export type SignalVerdict =
  | { kind: "none" }
  /** `client`: the API client whose packet raised it (its traffic is rate-limited); null for the radio's own. */
  | { kind: "missing"; num: number; reason: MissingReason; client?: string | null }
  | { kind: "remote_lacks_our_key"; num: number }
  | { kind: "mismatch"; num: number; error: string };

export interface DirectoryLookup {
  /** null: never seen; otherwise whether we hold a key for it. */
  hasKey(num: number): boolean | null;
}

/**
 * A live packet is news only from a node the directory has never seen; replays never are,
 * and neither is a packet that brings the key itself (a NodeInfo or PKI DM from a node we did
 * not know: its keySeen adds the key, so a re-read would only cost an on-demand sync).
 */
export function judgeNodeSeen(seen: NodeSeen, directory: DirectoryLookup): SignalVerdict {
  if (seen.replayed || seen.withKey === true) return { kind: "none" };
  // Known nodes, keyless ones included (old firmware, ham mode), are not news.
  if (directory.hasKey(seen.num) !== null) return { kind: "none" };
  return { kind: "missing", num: seen.num, reason: seen.encrypted ? "encrypted_from_unknown" : "unknown_sender" };
}

export function judgeRoutingError(error: RoutingErrorEvent): SignalVerdict {
  if (error.to === null) return { kind: "none" };
  switch (error.error) {
    case "PKI_SEND_FAIL_PUBLIC_KEY":
      return { kind: "missing", num: error.to, reason: "radio_lacks_key", client: error.client };
    // The far node lacks our key: its problem, reported, never a reason to sync.
    case "PKI_UNKNOWN_PUBKEY":
      return { kind: "remote_lacks_our_key", num: error.to };
    // The radio compared the key the packet carried with its own. The bridge's DMs carry none;
    // a client's says only what that client believes: evidence about the client, not our keys.
    case "PKI_FAILED":
      return error.client === null ? { kind: "mismatch", num: error.to, error: error.error } : { kind: "none" };
    // Real firmware's answer when the destination cannot decrypt a PKI DM (ReliableRouter.cpp,
    // "PKC decrypt attempted but failed"; FIRMWARE.md, measured): one of the two keys is stale.
    // On a channel packet it means what it says, a channel the destination lacks.
    case "NO_CHANNEL":
      return error.pki ? { kind: "mismatch", num: error.to, error: error.error } : { kind: "none" };
    default:
      return { kind: "none" };
  }
}

/** Nodes remembered at most: past it the oldest is forgotten (it may signal once more). */
const MAX_REMEMBERED = 50_000;

/**
 * Remembers when each node last raised a signal; one per node per window. Beside the map, a
 * queue of (node, time) in signal order, so what has aged out is always at its front: O(1)
 * per signal at any size, where a rescan of the whole map per signal went quadratic past
 * 10,000 nodes (and a Map walked from its front skips every entry deleted before).
 */
export class SignalDeduper {
  private readonly last = new Map<number, number>();
  /** node, time, node, time, ... from `head` on; an entry superseded by a later signal of its node is skipped. */
  private queue: number[] = [];
  private head = 0;

  /** True when `num` has not signalled within `windowMs` before `now` (and records it). */
  admit(num: number, now: number, windowMs: number): boolean {
    const previous = this.last.get(num);
    if (previous !== undefined && now - previous < windowMs) return false;
    this.last.set(num, now);
    this.queue.push(num, now);
    this.forget(now, windowMs);
    return true;
  }

  private forget(now: number, windowMs: number): void {
    while (this.head < this.queue.length) {
      const num = this.queue[this.head] as number;
      const at = this.queue[this.head + 1] as number;
      const current = this.last.get(num) === at;
      if (current && now - at < windowMs && this.last.size <= MAX_REMEMBERED) break;
      if (current) this.last.delete(num);
      this.head += 2;
    }
    // Drop the consumed front now and then, not at every signal.
    if (this.head >= 8_192 && this.head * 2 >= this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  get size(): number {
    return this.last.size;
  }
}
