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

/** A client's MeshPacket being passed on: paced by its port, its routing result matched, its errors carrying `to`. */
export interface ForwardedPacket {
  /** 0: the radio picks the id; no routing result can be matched. */
  id: number;
  to: number;
  /** Data.portnum; null for an encrypted packet. */
  port: number | null;
  hopLimit: number;
  /** A PKI DM (FIRMWARE.md): a NO_CHANNEL answer then names a stale key. */
  pki: boolean;
  timeoutMs: number;
}

export interface SharedRadio {
  readonly tap: EventEmitter<TapEvents>;
  /** The last complete handshake, kept fresh by every re-read; null before the first. */
  readonly cache: HandshakeCache | null;
  /**
   * Writes a client's ToRadio payload to the radio unchanged (its packet id kept), once the
   * pacer lets it through: `owner` names the client, whose share of the queue is bounded. With
   * `packet`, resolves with the radio's routing result for that id (null for a broadcast or id
   * 0; rejects on timeout or a lost link); without, resolves null once written. Rejects with
   * NotSent when it was never written (the radio away, the link lost while it waited), with
   * PacketRefused (a NotSent) at once when the queue or the client's share is full or the
   * firmware would refuse the packet anyway.
   */
  forward(payload: Uint8Array, owner: string, packet: ForwardedPacket | null): Promise<SendResult | null>;
  /** The client `owner` left: what it still has waiting in the pacer is dropped. */
  dropClient(owner: string): void;
  /** Re-reads the configuration (want_config 69420) on the link's connection; the cache follows. */
  refreshConfig(): Promise<void>;
}
