// One open line to a radio (TCP or serial, see transport.ts): framing, decoding, heartbeats
// and the dead-peer test, and on a serial line the radio's console text. It knows nothing of
// handshakes or nodes; radio/meshtastic.ts drives it.
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { silentLog, type LogPort } from "../log-port.js";
import { FrameDecoder, encodeFrame } from "../protocol/frames.js";
import { decodeFromRadio, heartbeat, type FromRadio } from "../protocol/messages.js";
import { ConsoleLog, ConsoleText } from "./console.js";
import type { IdleLimit } from "./dump.js";
import type { Endpoint, Transport } from "./transport.js";

export interface ConnectionOptions {
  /** Time between heartbeats (at least heartbeatTimeoutMs); well under the firmware's 15-minute idle limit (TCP_IDLE_TIMEOUT_MS). */
  heartbeatIntervalMs: number;
  /** How long a heartbeat may stay unanswered before the peer counts as dead. */
  heartbeatTimeoutMs: number;
  /** For the console text of a serial line. */
  log?: LogPort;
}

export interface ConnectionStats {
  frames: number;
  undecodable: number;
  skippedBytes: number;
  oversized: number;
  /** Lines of the radio's console text (serial). */
  consoleLines: number;
}

export function emptyStats(): ConnectionStats {
  return { frames: 0, undecodable: 0, skippedBytes: 0, oversized: 0, consoleLines: 0 };
}

interface ConnectionEvents {
  /** A decoded FromRadio and the payload it came from (a view nothing writes to). */
  message: [FromRadio, Uint8Array];
  close: [reason: string];
}

/**
 * A serial radio writes a frame in one go at the line rate (512 bytes take 0.55 s even at
 * 9600 baud), so a partial frame followed by this much silence was a header faked by text:
 * it is re-read as text. Never on TCP, where a frame may wait for a slow network.
 */
const STALE_PARTIAL_MS = 1_500;

export class RadioConnection extends EventEmitter<ConnectionEvents> {
  private readonly decoder: FrameDecoder;
  private readonly console: ConsoleText | null;
  private readonly abort = new AbortController();
  private undecodable = 0;
  /** Counts inbound frames: any frame after a heartbeat proves the peer alive. */
  private inbound = 0;
  private bytesIn = 0;
  private closed = false;
  private peerClosed = false;
  private staleTimer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly transport: Transport,
    readonly endpoint: Endpoint,
    private readonly options: ConnectionOptions,
  ) {
    super();
    const consoleText = endpoint.traits.consoleText;
    if (consoleText) {
      const log = new ConsoleLog(options.log ?? silentLog, endpoint.label);
      this.console = new ConsoleText((line) => log.line(line));
    } else {
      this.console = null;
    }
    this.decoder = new FrameDecoder(
      (payload) => this.onFrame(payload),
      this.console ? (bytes) => this.console?.push(bytes) : undefined,
    );
    transport.on("data", (chunk) => this.onData(chunk));
    transport.on("close", (reason, byPeer) => this.shutdown(reason, byPeer));
    void this.heartbeatLoop(this.abort.signal);
  }

  /** Opens a line to `endpoint`; fails as the endpoint's open does, or when `signal` aborts. */
  static async open(endpoint: Endpoint, options: ConnectionOptions, signal?: AbortSignal): Promise<RadioConnection> {
    const transport = await endpoint.open(signal);
    return new RadioConnection(transport, endpoint, options);
  }

  get stats(): ConnectionStats {
    const { frames, skippedBytes, oversized } = this.decoder.stats;
    return { frames, undecodable: this.undecodable, skippedBytes, oversized, consoleLines: this.console?.stats.lines ?? 0 };
  }

  /** How long a NodeDB download on this line may receive nothing, with what to tell the user then. */
  idleLimit(ms: number): IdleLimit | null {
    if (ms <= 0) return null;
    const { silenceHint, consoleText } = this.endpoint.traits;
    return {
      ms,
      silentHint: () => this.describeSilence(silenceHint),
      stalledHint: consoleText ? "a frame torn by the radio's console text?" : null,
    };
  }

  /** Why a radio may not have answered, from what did arrive on the line. */
  private describeSilence(hint: string | null): string {
    const lines = this.console?.stats.lines ?? 0;
    if (this.bytesIn === 0) return `nothing at all came back from ${this.endpoint.label}${hint ? `; ${hint}` : ""}`;
    const what = lines > 0 ? `${lines} lines of console text` : `${this.bytesIn} bytes`;
    return `${this.endpoint.label} sent ${what} but no frame${hint ? `; ${hint}` : ""}`;
  }

  /** The radio ended the connection (end, reset, device gone), not us (close(), a heartbeat left unanswered). */
  get closedByPeer(): boolean {
    return this.peerClosed;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  write(payload: Uint8Array): void {
    if (this.closed) throw new Error("radio connection is closed");
    this.transport.write(encodeFrame(payload));
  }

  /** Closes the line; resolves once it is fully closed. Safe to call more than once. */
  async close(reason = "closed by us"): Promise<void> {
    this.shutdown(reason);
    await this.transport.close(reason);
  }

  private onData(chunk: Buffer): void {
    this.bytesIn += chunk.length;
    this.decoder.push(chunk);
    if (this.console) this.watchPartial();
  }

  private watchPartial(): void {
    if (this.decoder.pending === 0 || this.closed) {
      if (this.staleTimer) clearTimeout(this.staleTimer);
      this.staleTimer = null;
      return;
    }
    if (this.staleTimer) {
      this.staleTimer.refresh();
      return;
    }
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      this.decoder.resync();
      this.watchPartial();
    }, STALE_PARTIAL_MS);
  }

  private onFrame(payload: Buffer): boolean {
    this.inbound += 1;
    let message: FromRadio;
    try {
      message = decodeFromRadio(payload);
    } catch {
      // A frame that is not a FromRadio protobuf is dropped and counted. On a serial line it
      // may have been a header faked by console text: re-read it, a real frame may follow.
      this.undecodable += 1;
      return !this.console;
    }
    this.emit("message", message, payload);
    return true;
  }

  private shutdown(reason: string, byPeer = false): void {
    if (this.closed) return;
    this.closed = true;
    this.peerClosed = byPeer;
    this.abort.abort();
    if (this.staleTimer) clearTimeout(this.staleTimer);
    void this.transport.close(reason);
    this.emit("close", reason);
  }

  /**
   * TCP keepalive does not notice a radio that hangs with its socket open, so the firmware's
   * own heartbeat is the dead-peer test: it is answered with queueStatus (PhoneAPI.cpp), and
   * any frame at all after it proves the radio alive.
   */
  private async heartbeatLoop(signal: AbortSignal): Promise<void> {
    const { heartbeatIntervalMs: interval, heartbeatTimeoutMs: timeout } = this.options;
    // One heartbeat per interval; the answer window is part of it, not added to it.
    const quiet = Math.max(interval - timeout, 0);
    try {
      while (!signal.aborted) {
        await sleep(quiet, undefined, { signal });
        const before = this.inbound;
        this.write(heartbeat());
        await sleep(timeout, undefined, { signal });
        if (this.inbound === before) this.shutdown(`no answer to heartbeat within ${timeout} ms`);
      }
    } catch (err) {
      if (!signal.aborted) this.shutdown(`heartbeat failed: ${(err as Error).message}`);
    }
  }
}
