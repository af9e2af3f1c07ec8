// The options of the radio link (meshtastic.ts) and their defaults.
import type { LogPort } from "../log-port.js";
import type { Clock } from "../timing/clock.js";
import type { PacerOptions } from "./pacer.js";
import { SLOT_DEFAULTS } from "./slot.js";
import type { Endpoint } from "./transport.js";

export interface MeshtasticRadioOptions {
  /** The radio's line (tcpEndpoint, serialEndpoint); without it, TCP to host:port. */
  endpoint?: Endpoint;
  host?: string;
  port?: number;
  connectTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /** A NodeDB download that has not completed by then is abandoned. */
  dumpTimeoutMs?: number;
  /** A NodeDB download that receives nothing for this long fails; default: the endpoint's (serial 10 s, TCP off). */
  dumpIdleTimeoutMs?: number;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Packets this soon after a dump, stamped well before it, are the 2.8 replay burst. */
  replayWindowMs?: number;
  /** Radio-side drops after a completed handshake, within slotWindowMs, that mean another client wants the radio's single TCP slot. */
  slotCloseThreshold?: number;
  slotWindowMs?: number;
  /** How long the slot is then left to the other client before we try again. */
  slotBackoffMs?: number;
  /**
   * Keep the radio's whole handshake (config sections included, the private key among them)
   * for a consumer that serves it again: the API server. Off, only the nodes are read.
   */
  cacheHandshake?: boolean;
  /** Packets one API client may have awaiting their routing result (each is held up to send.timeout). */
  maxAwaitedPerClient?: number;
  /** The pacer's bounds and windows; the limits default to the firmware's. Tests scale the limits down. */
  pacer?: Partial<Omit<PacerOptions, "clock" | "onLength">>;
  log?: LogPort;
  /** The reconnect waits and the slot guard's window run on it. Default: the system clock. */
  clock?: Clock;
}

export const RADIO_DEFAULTS = {
  connectTimeoutMs: 10_000,
  heartbeatIntervalMs: 60_000,
  heartbeatTimeoutMs: 15_000,
  dumpTimeoutMs: 120_000,
  backoffMinMs: 1_000,
  backoffMaxMs: 60_000,
  replayWindowMs: 10_000,
  slotCloseThreshold: SLOT_DEFAULTS.threshold,
  slotWindowMs: SLOT_DEFAULTS.windowMs,
  slotBackoffMs: SLOT_DEFAULTS.backoffMs,
  cacheHandshake: false,
  maxAwaitedPerClient: 64,
};
