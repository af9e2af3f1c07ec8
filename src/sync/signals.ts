// Which live signals mean "our directory may lack a key the radio has" (FIRMWARE.md), and
// de-duplication so one noisy node raises one `key_missing` and one on-demand request per
// interval. Pure apart from the Map it keeps.
import type { NodeSeen, RoutingErrorEvent } from "../radio/link.js";

export type MissingReason = "unknown_sender" | "encrypted_from_unknown" | "radio_lacks_key";

export type SignalVerdict =
  | { kind: "none" }
  | { kind: "missing"; num: number; reason: MissingReason }
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
      return { kind: "missing", num: error.to, reason: "radio_lacks_key" };
    // The far node lacks our key: its problem, reported, never a reason to sync.
    case "PKI_UNKNOWN_PUBKEY":
      return { kind: "remote_lacks_our_key", num: error.to };
    case "PKI_FAILED":
      return { kind: "mismatch", num: error.to, error: error.error };
    // Real firmware's answer when the destination cannot decrypt a PKI DM (ReliableRouter.cpp,
    // "PKC decrypt attempted but failed"; FIRMWARE.md, measured): one of the two keys is stale.
    // On a channel packet it means what it says, a channel the destination lacks.
    case "NO_CHANNEL":
      return error.pki ? { kind: "mismatch", num: error.to, error: error.error } : { kind: "none" };
    default:
      return { kind: "none" };
  }
}

/** Remembers when each node last raised a signal; one per node per window. */
export class SignalDeduper {
  private readonly last = new Map<number, number>();

  /** True when `num` has not signalled within `windowMs` before `now` (and records it). */
  admit(num: number, now: number, windowMs: number): boolean {
    const previous = this.last.get(num);
    if (previous !== undefined && now - previous < windowMs) return false;
    this.last.set(num, now);
    if (this.last.size > 10_000) this.prune(now, windowMs);
    return true;
  }

  private prune(now: number, windowMs: number): void {
    for (const [num, at] of this.last) if (now - at >= windowMs) this.last.delete(num);
  }
}
