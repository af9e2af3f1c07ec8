// How long the MQTT client waits before the next connection attempt. Pure: the client
// tells it how each connection ended. The backoff resets only after a connection that
// held: a broker that takes us and drops us at once (a message over its max_packet_size,
// an ACL, another client with our client_id) would otherwise be hammered every second.
import { backoff } from "../timing/backoff.js";
import { SESSION_TAKEN_OVER } from "./reasons.js";

export interface ReconnectPolicyOptions {
  minMs: number;
  maxMs: number;
  /** A connection up at least this long counts as healthy and resets the backoff. */
  stableMs: number;
  /** Wait after the broker handed our session to another client with our client_id. */
  takeoverPauseMs: number;
}

export const RECONNECT_DEFAULTS: ReconnectPolicyOptions = {
  minMs: 1_000,
  // A broker back from a restart should see us within seconds, not a minute later.
  maxMs: 15_000,
  stableMs: 60_000,
  // Long enough that two bridges with one client_id take turns instead of fighting.
  takeoverPauseMs: 300_000,
};

export interface CloseFacts {
  now: number;
  /** When the connection that closed was made; null for a failed attempt. */
  connectedAt: number | null;
  /** The reason code of the broker's DISCONNECT (MQTT 5); null when it sent none. */
  reasonCode: number | null;
}

export interface ReconnectVerdict {
  waitMs: number;
  /** The broker handed our session to another client with our client_id (MQTT 5 0x8E). */
  takenOver: boolean;
  /** Connections in a row that closed before they held (stableMs). */
  shortDrops: number;
}

export class ReconnectPolicy {
  private attempt = 0;
  private shortDrops = 0;

  constructor(private readonly opts: ReconnectPolicyOptions) {}

  onClose(facts: CloseFacts): ReconnectVerdict {
    if (facts.connectedAt !== null) {
      if (facts.now - facts.connectedAt >= this.opts.stableMs) {
        this.attempt = 0;
        this.shortDrops = 0;
      } else {
        this.shortDrops += 1;
      }
    }
    const takenOver = facts.reasonCode === SESSION_TAKEN_OVER;
    const waitMs = backoff(this.attempt++, this.opts.minMs, this.opts.maxMs);
    return { waitMs: takenOver ? Math.max(waitMs, this.opts.takeoverPauseMs) : waitMs, takenOver, shortDrops: this.shortDrops };
  }
}
