// The byte pipe under the radio link: open, bytes in, bytes out, close with a reason. TCP
// (tcp.ts) and USB serial (serial.ts) implement it, so the link above (connection.ts,
// meshtastic.ts: framing, handshakes, heartbeats, the dead-peer test, reconnects) is one
// implementation for both. What differs between the two lines is said once, in LinkTraits.
import type { EventEmitter } from "node:events";

export interface TransportEvents {
  /** Bytes as they arrive. The buffer may be reused after the call: copy what you keep. */
  data: [chunk: Buffer];
  /** Emitted once. byPeer: the other side (or the device) ended it, not close(). */
  close: [reason: string, byPeer: boolean];
}

export interface Transport extends EventEmitter<TransportEvents> {
  readonly isOpen: boolean;
  /** Queues bytes for the line; throws once closed. */
  write(bytes: Uint8Array): void;
  /** Closes the line; resolves once it is fully closed. Safe to call more than once. */
  close(reason?: string): Promise<void>;
}

/** How the link behaves on one kind of line. */
export interface LinkTraits {
  /**
   * The radio serves one client at a time (the TCP API, ServerAPI.cpp): drops right after
   * the handshake mean another client takes the slot. A serial port is held by one program
   * anyway, and a board in a reboot loop is not "another client".
   */
  singleClient: boolean;
  /**
   * The radio's console (debug log) shares the line as plain text (serial, SerialConsole.cpp):
   * text between frames is logged as lines, a header faked by text is re-read, and a frame
   * torn by text fails alone.
   */
  consoleText: boolean;
  /**
   * A NodeDB download that receives nothing for this long has failed (a frame torn by text,
   * a radio that never answers); 0 leaves only the download's overall timeout.
   */
  dumpIdleTimeoutMs: number;
  /** Added to the reason when the radio never answers want_config: what the user can check. */
  silenceHint: string | null;
}

/** Where a radio is and how to open a line to it. */
export interface Endpoint {
  readonly kind: "tcp" | "serial";
  /** For logs and reasons: "192.168.1.38:4403", "/dev/serial/by-id/usb-…". */
  readonly label: string;
  readonly traits: LinkTraits;
  /** Opens a line ready for the first frame; rejects with a reason a user can act on. */
  open(signal?: AbortSignal): Promise<Transport>;
}
