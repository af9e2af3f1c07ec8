// The uplink's counters: what sync/stats (`uplink_*`) and `bridge/health.uplink` show. Pure
// bookkeeping; uplink/source.ts counts, the MQTT side reads snapshots.
import type { UplinkStats } from "../sync/stats.js";
import type { RefusedReason, SkippedReason } from "./decode.js";

/** Refusals of the uplink's own making, besides what decode.ts finds wrong with an envelope. */
export type DropReason = RefusedReason | "rate_limited" | "replayed";

export interface UplinkFigures {
  /** Envelopes received on the uplink's topics. */
  envelopes: number;
  /** Channel-encrypted packets we could decrypt. */
  decrypted: number;
  /** NodeInfo keys handed to the directory (claims). */
  claims: number;
  /** Claims whose firmware 2.8 signature we verified, self-certified (num == crc32(key)). */
  signed: number;
  /** Keys the directory took from the uplink (added or changed). */
  keys: number;
  /** Envelopes dropped, by reason (sum: `refused`). */
  refused: Record<DropReason, number>;
  /** Sound envelopes with no key for us: PKI DMs, packets other than NodeInfo. */
  skipped: Record<SkippedReason, number>;
}

export function emptyFigures(): UplinkFigures {
  return {
    envelopes: 0,
    decrypted: 0,
    claims: 0,
    signed: 0,
    keys: 0,
    refused: { topic: 0, oversize: 0, malformed: 0, unknown_channel: 0, undecryptable: 0, rate_limited: 0, replayed: 0 },
    skipped: { pki: 0, no_key: 0 },
  };
}

export function refusedTotal(figures: UplinkFigures): number {
  return Object.values(figures.refused).reduce((a, b) => a + b, 0);
}

/** The `uplink_*` fields of sync/stats (CONTRACT.md), present with uplink.enabled. */
export function uplinkStats(figures: UplinkFigures): UplinkStats {
  return {
    uplink_envelopes: figures.envelopes,
    uplink_decrypted: figures.decrypted,
    uplink_keys: figures.keys,
    uplink_refused: refusedTotal(figures),
  };
}
