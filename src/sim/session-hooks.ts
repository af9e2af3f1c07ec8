// What a simulated client connection (session.ts) needs from its server: the answers it
// does not decide itself, and the events it reports.
import type { Duplex } from "node:stream";
import type { MeshPacket } from "../protocol/messages.js";
import type { DumpContext, DumpKind } from "./dump.js";
import type { SimSession } from "./session.js";

export type SessionState = "idle" | "dumping" | "ready" | "closed";

/** What a session needs of its line: a TCP socket, or the simulated serial port (serial-line.ts). */
export type SessionSocket = Duplex & { setNoDelay(noDelay?: boolean): unknown };

export interface SessionHooks {
  dumpContext(): DumpContext;
  /** Cached packets to replay after config_complete_id (2.8); empty when the mode is off. */
  replayPayloads(): Uint8Array[];
  queueStatus(): Uint8Array;
  /** Ms before the radio starts answering (latency.ts); 0 when realistic latency is off. */
  delayMs(what: DumpKind | "heartbeat"): number;
  onDumpStart(session: SimSession, nonce: number, kind: DumpKind): void;
  onDumpComplete(session: SimSession, nonce: number, kind: DumpKind): void;
  onHeartbeat(session: SimSession, nonce: number): void;
  onPacket(session: SimSession, packet: MeshPacket): void;
  onRefused(session: SimSession, reason: "oversized" | "undecodable", count: number): void;
  onHeldDropped(session: SimSession): void;
  /** Every socket write, so batching can be checked: a dump must be few writes, not one per frame. */
  onWrite(session: SimSession, bytes: number): void;
  /** `unsent`: live packets held for this client and never written; they stay in the radio's queue. */
  onClose(session: SimSession, reason: string, unsent: Uint8Array[]): void;
}

export interface SessionOptions {
  /** TCP_IDLE_TIMEOUT_MS in ServerAPI.cpp: no data from the client for this long closes it. 0: never. */
  idleTimeoutMs: number;
  /** The firmware's to-phone queue is bounded and discards the oldest packet when full. */
  maxHeldPackets: number;
  /**
   * A serial port cannot be closed by the radio: an idle timeout or a `disconnect` only makes
   * PhoneAPI forget the client (state back to idle), and the line stays.
   */
  keepLine?: boolean;
}
