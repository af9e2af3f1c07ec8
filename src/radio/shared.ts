// The radio link as a second consumer sees it when it serves other Meshtastic clients (the
// API server): the handshake the radio gave, its live frames, and a way to pass a client's
// packet on. The sync side never uses this: it stays on link.ts's domain events.
import type { EventEmitter } from "node:events";
import type { HandshakeCache, RadioFrame } from "./handshake-cache.js";
import type { SendResult } from "./link.js";

export type { HandshakeCache, RadioFrame } from "./handshake-cache.js";

export interface TapEvents {
  /**
   * A live FromRadio frame: packets (routing results included), client notifications, log
   * records, `rebooted`... Not the link's own traffic: the answers to its heartbeats
   * (queueStatus for packet id 0) and the frames of its own downloads stay with the link.
   */
  frame: [RadioFrame];
  /** The handshake cache changed: after every handshake, nodes-only and config-only re-read. */
  cache: [HandshakeCache];
}

/** A client's packet being passed on, so its routing result can be matched and its errors carry `to`. */
export interface ForwardedPacket {
  id: number;
  to: number;
  timeoutMs: number;
}

export interface SharedRadio {
  readonly tap: EventEmitter<TapEvents>;
  /** The last complete handshake, kept fresh by every re-read; null before the first. */
  readonly cache: HandshakeCache | null;
  /**
   * Writes a client's ToRadio payload to the radio unchanged (its packet id kept). With
   * `packet`, resolves with the radio's routing result for that id (rejects on timeout or a
   * lost link); without, resolves null. Throws at once while the radio is not connected.
   */
  forward(payload: Uint8Array, packet: ForwardedPacket | null): Promise<SendResult | null>;
  /** Re-reads the configuration (want_config 69420) on the link's connection; the cache follows. */
  refreshConfig(): Promise<void>;
}
