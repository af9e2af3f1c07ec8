// What the firmware's PhoneAPI::handleToRadioPacket decides about a packet its client sends,
// before the mesh sees it: a repeated id is ignored, and each port has a per-connection
// minimum gap. Pure: one gate per client connection, time passed in. This table is the
// simulator's own reading of the firmware, on purpose not shared with the bridge's pacer: a
// mistake there must show up as a failing test here, not be copied into both.
import { BROADCAST_NUM, PortNum, type MeshPacket } from "../protocol/messages.js";

/** Minimum gap between two ACCEPTED packets of one port on one connection, in ms. */
export type SendLimits = Partial<Record<number, number>>;

/** PhoneAPI.cpp: TWO_SECONDS_MS, TEN_SECONDS_MS, THIRTY_SECONDS_MS per port (2.7.26). */
export const FIRMWARE_SEND_LIMITS_MS: Readonly<Record<number, number>> = {
  [PortNum.TEXT_MESSAGE_APP]: 2_000,
  [PortNum.POSITION_APP]: 10_000,
  [PortNum.WAYPOINT_APP]: 10_000,
  [PortNum.ALERT_APP]: 10_000,
  [PortNum.TELEMETRY_APP]: 10_000,
  [PortNum.TRACEROUTE_APP]: 30_000,
};

/** wasSeenRecently keeps the last 20 ids a client sent. */
const RECENT_IDS = 20;

export const TRACEROUTE_LIMITED = "TraceRoute can only be sent once every 30 seconds";
export const TRACEROUTE_BROADCAST = "Multi-hop traceroute to broadcast address is not allowed";

export type GateVerdict =
  /** "Ignore packet from phone, already seen recently": no answer at all. */
  | { kind: "duplicate" }
  /**
   * Not sent to the mesh: the client gets a queueStatus, and for a traceroute a warning
   * `notification`. A text's RATE_LIMIT_EXCEEDED goes to node 0, so the client sees none.
   */
  | { kind: "refused"; port: number; notification: string | null }
  | { kind: "accepted" };

export function resolveLimits(overrides: SendLimits = {}): Readonly<Record<number, number>> {
  const limits: Record<number, number> = { ...FIRMWARE_SEND_LIMITS_MS };
  for (const [port, ms] of Object.entries(overrides)) {
    if (ms !== undefined) limits[Number(port)] = ms;
  }
  return limits;
}

export class PhoneGate {
  private readonly recent: number[] = [];
  /** lastPortNumToRadio: when the last accepted packet of each port went out. */
  private readonly lastAccepted = new Map<number, number>();

  constructor(private readonly limits: Readonly<Record<number, number>>) {}

  check(packet: MeshPacket, nowMs: number): GateVerdict {
    // The id is remembered even when the packet is then refused (the firmware checks it first).
    if (packet.id > 0 && this.seenRecently(packet.id)) return { kind: "duplicate" };
    // An encrypted payload from the client has no port; the firmware reads a zeroed one.
    const port = packet.payloadVariant.case === "decoded" ? packet.payloadVariant.value.portnum : 0;
    if (this.tooSoon(port, nowMs)) {
      return { kind: "refused", port, notification: port === PortNum.TRACEROUTE_APP ? TRACEROUTE_LIMITED : null };
    }
    if (port === PortNum.TRACEROUTE_APP && packet.to === BROADCAST_NUM && packet.hopLimit > 0) {
      return { kind: "refused", port, notification: TRACEROUTE_BROADCAST };
    }
    this.lastAccepted.set(port, nowMs);
    return { kind: "accepted" };
  }

  private tooSoon(port: number, nowMs: number): boolean {
    const limit = this.limits[port] ?? 0;
    const last = this.lastAccepted.get(port);
    return limit > 0 && last !== undefined && nowMs - last < limit;
  }

  private seenRecently(id: number): boolean {
    if (this.recent.includes(id)) return true;
    this.recent.push(id);
    if (this.recent.length > RECENT_IDS) this.recent.shift();
    return false;
  }
}
