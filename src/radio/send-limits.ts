// The firmware's per-connection send limits (PhoneAPI::handleToRadioPacket; FIRMWARE.md,
// "Measured on real firmware"): one packet per port per window, counted from the last packet
// the radio accepted on this connection. A packet sent sooner is dropped: a text gets a
// RATE_LIMIT_EXCEEDED addressed to node 0, so its sender never hears of it. Every client of
// the API server shares the bridge's one connection, so they share these windows too.
import { BROADCAST_NUM, PortNum } from "../protocol/messages.js";
import { SlidingLimit } from "../timing/limit.js";

/** Milliseconds between two packets of one port, as the 2.7.26 firmware enforces them. */
export const FIRMWARE_SEND_LIMITS_MS: ReadonlyMap<number, number> = new Map([
  [PortNum.TEXT_MESSAGE_APP, 2_000],
  [PortNum.POSITION_APP, 10_000],
  [PortNum.WAYPOINT_APP, 10_000],
  [PortNum.ALERT_APP, 10_000],
  [PortNum.TELEMETRY_APP, 10_000],
  [PortNum.TRACEROUTE_APP, 30_000],
]);

/**
 * Why the firmware drops a packet whatever the wait (null: it does not). A multi-hop
 * traceroute to broadcast is refused with a client notification and nothing else.
 */
export function refusedOutright(packet: { port: number | null; to: number; hopLimit: number }): string | null {
  if (packet.port === PortNum.TRACEROUTE_APP && packet.to === BROADCAST_NUM && packet.hopLimit > 0) {
    return "the radio refuses a multi-hop traceroute to broadcast";
  }
  return null;
}

/**
 * When each limited port may carry its next packet. The window starts when the radio has
 * answered the previous packet of that port (its queueStatus): the firmware stamped the
 * packet when it took it, before that answer, so a window counted from the answer is never
 * shorter on the radio's side, whatever the line's latency. Until the answer, the port waits.
 */
export class PortWindows {
  private readonly limits = new Map<number, SlidingLimit>();
  private readonly inFlight = new Map<number, number>();

  constructor(
    private readonly limitsMs: ReadonlyMap<number, number>,
    /** Added to every window: the radio's millisecond clock and our timers round differently. */
    private readonly marginMs: number,
  ) {}

  limited(port: number | null): boolean {
    return port !== null && this.limitsMs.has(port);
  }

  /** Epoch ms at which `port` may carry a packet: `now` when free, Infinity while one is unanswered. */
  freeAt(port: number | null, now: number): number {
    if (port === null || !this.limitsMs.has(port)) return now;
    if ((this.inFlight.get(port) ?? 0) > 0) return Infinity;
    return this.limits.get(port)?.allowedAt(now) ?? now;
  }

  /** A packet of `port` was written. */
  sent(port: number | null): void {
    if (!this.limited(port)) return;
    const p = port as number;
    this.inFlight.set(p, (this.inFlight.get(p) ?? 0) + 1);
  }

  /** The radio answered a packet of `port` (or we stopped waiting for that answer) at `now`. */
  answered(port: number | null, now: number): void {
    if (!this.limited(port)) return;
    const p = port as number;
    const left = (this.inFlight.get(p) ?? 1) - 1;
    if (left > 0) this.inFlight.set(p, left);
    else this.inFlight.delete(p);
    let limit = this.limits.get(p);
    if (!limit) {
      limit = new SlidingLimit(1, (this.limitsMs.get(p) as number) + this.marginMs);
      this.limits.set(p, limit);
    }
    limit.record(now);
  }

  /** A new connection: nothing of the old one is in flight any more (its windows are kept: the radio may be the same). */
  reset(): void {
    this.inFlight.clear();
  }
}
