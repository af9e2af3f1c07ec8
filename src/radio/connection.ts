// One TCP connection to a radio: framing, decoding, heartbeats and the dead-peer test.
// It knows nothing of handshakes or nodes; radio/meshtastic.ts drives it.
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { FrameDecoder, encodeFrame } from "../protocol/frames.js";
import { decodeFromRadio, heartbeat, type FromRadio } from "../protocol/messages.js";

export interface ConnectionOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  /** Time between heartbeats (at least heartbeatTimeoutMs); well under the firmware's 15-minute idle limit (TCP_IDLE_TIMEOUT_MS). */
  heartbeatIntervalMs: number;
  /** How long a heartbeat may stay unanswered before the peer counts as dead. */
  heartbeatTimeoutMs: number;
}

export interface ConnectionStats {
  frames: number;
  undecodable: number;
  skippedBytes: number;
  oversized: number;
}

interface ConnectionEvents {
  message: [FromRadio];
  close: [reason: string];
}

export class RadioConnection extends EventEmitter<ConnectionEvents> {
  private readonly decoder: FrameDecoder;
  private readonly abort = new AbortController();
  private undecodable = 0;
  /** Counts inbound frames: any frame after a heartbeat proves the peer alive. */
  private inbound = 0;
  private closed = false;
  private peerClosed = false;
  private readonly closedPromise: Promise<void>;

  private constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
  ) {
    super();
    this.decoder = new FrameDecoder((payload) => this.onFrame(payload));
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    socket.on("end", () => this.shutdown("closed by the radio", true));
    socket.on("error", (err) => this.shutdown(`socket error: ${err.message}`, true));
    socket.on("close", () => this.shutdown("connection closed", true));
    void this.heartbeatLoop(this.abort.signal);
  }

  /** Opens a connection, failing after connectTimeoutMs or when `signal` aborts. */
  static open(options: ConnectionOptions, signal?: AbortSignal): Promise<RadioConnection> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      const fail = (err: Error): void => {
        cleanup();
        socket.destroy();
        reject(err);
      };
      const onError = (err: Error): void => fail(err);
      const onTimeout = (): void => fail(new Error(`connect timeout after ${options.connectTimeoutMs} ms`));
      const onAbort = (): void => fail(new Error("connect aborted"));
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off("error", onError);
        signal?.removeEventListener("abort", onAbort);
      };
      const timer = setTimeout(onTimeout, options.connectTimeoutMs);
      socket.once("error", onError);
      signal?.addEventListener("abort", onAbort, { once: true });
      socket.setNoDelay(true);
      socket.connect(options.port, options.host, () => {
        cleanup();
        resolve(new RadioConnection(socket, options));
      });
    });
  }

  get stats(): ConnectionStats {
    return { frames: this.decoder.stats.frames, undecodable: this.undecodable, skippedBytes: this.decoder.stats.skippedBytes, oversized: this.decoder.stats.oversized };
  }

  /** The radio ended the connection (end, reset), not us (close(), a heartbeat left unanswered). */
  get closedByPeer(): boolean {
    return this.peerClosed;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  write(payload: Uint8Array): void {
    if (this.closed) throw new Error("radio connection is closed");
    this.socket.write(encodeFrame(payload));
  }

  /** Closes the socket; resolves once it is fully closed. Safe to call more than once. */
  async close(reason = "closed by us"): Promise<void> {
    this.shutdown(reason);
    await this.closedPromise;
  }

  private onFrame(payload: Buffer): void {
    this.inbound += 1;
    let message: FromRadio;
    try {
      message = decodeFromRadio(payload);
    } catch {
      // A frame that is not a FromRadio protobuf is dropped and counted; the stream goes on.
      this.undecodable += 1;
      return;
    }
    this.emit("message", message);
  }

  private shutdown(reason: string, byPeer = false): void {
    if (this.closed) return;
    this.closed = true;
    this.peerClosed = byPeer;
    this.abort.abort();
    this.socket.destroy();
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
