// One client of the API server: its socket, the frames it sends (each decoded once, handled
// in order), and what it is sent, bounded. A client that sends garbage or stops reading is
// dropped alone; nothing it does reaches the radio link except through the server's host.
import type { Socket } from "node:net";
import { FrameDecoder, MAGIC_2, encodeFrame } from "../protocol/frames.js";
import { NONCE_ONLY_CONFIG, decodeToRadio, type ToRadio } from "../protocol/messages.js";
import { KnownNodes } from "./known.js";
import { ClientOutput } from "./outbound.js";
import type { ClientRequest } from "./requests.js";
import type { ClientView } from "./view.js";

export interface SessionHost {
  /** What a handshake is served from now; null while the radio is away or has not answered yet. */
  view(): ClientView | null;
  classify(message: ToRadio): ClientRequest;
  /** Carries out a request that needs the radio or the push policy; the next waits for it. */
  act(session: ApiSession, request: Exclude<ClientRequest, { kind: "handshake" | "disconnect" | "ignore" }>, payload: Uint8Array): Promise<void> | void;
  closed(session: ApiSession, reason: string): void;
}

export interface SessionOptions {
  /** Bytes the client has not taken (its socket's and those queued for it; not the rest of the handshake it is being served) beyond which it counts as no longer reading. */
  maxQueuedBytes: number;
  /** Live frames kept for a client before its handshake completes (the oldest goes first). */
  maxHeld: number;
  /** How long a handshake waits for the radio before the client is told to come back. */
  waitMs: number;
  /** How long a new client may take to send its first whole frame (a slot held by a silent socket is a slot lost). */
  firstFrameMs: number;
  /** How long a client may send nothing at all: the firmware's PhoneAPI drops a silent client after 15 minutes. */
  idleMs: number;
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}

export type SessionState = "new" | "waiting" | "ready" | "closed";

export class ApiSession {
  state: SessionState = "new";
  readonly connectedAt = Date.now();
  /** What this client's last handshake was served from. */
  view: ClientView | null = null;
  /** The nodes this client has, as it was last sent them; null until a handshake gave it nodes. */
  known: KnownNodes | null = null;
  private readonly decoder: FrameDecoder;
  private readonly output: ClientOutput;
  private held: Buffer[] = [];
  private waitingNonce: number | null = null;
  private waitTimer: NodeJS.Timeout | null = null;
  /** The first-frame limit until a whole frame came, then the idle limit, refreshed by every frame. */
  private silence: NodeJS.Timeout | null = null;
  private heardFrame = false;
  private chain: Promise<void> = Promise.resolve();
  private closeReason = "the client closed the connection";

  constructor(
    readonly socket: Socket,
    readonly address: string,
    private readonly host: SessionHost,
    private readonly options: SessionOptions,
  ) {
    this.decoder = new FrameDecoder((payload) => this.onFrame(payload), (bytes) => this.onSkipped(bytes));
    this.output = new ClientOutput(socket, options.maxQueuedBytes, (reason) => this.close(reason));
  }

  start(): void {
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => (this.closeReason = `socket error: ${err.message}`));
    this.socket.on("close", () => this.onClosed());
    this.silence = setTimeout(() => this.close(`sent no whole frame within ${seconds(this.options.firstFrameMs)} of connecting`), this.options.firstFrameMs);
  }

  /** A live frame (already framed) for every client: now once its handshake is done, else held. */
  deliver(frame: Buffer): void {
    if (this.state === "ready") {
      this.write(frame);
      return;
    }
    if (this.state === "closed") return;
    this.held.push(frame);
    if (this.held.length > this.options.maxHeld) this.held.shift();
  }

  /** A frame for this client alone (a routing answer, a heartbeat's queue status). */
  send(payload: Uint8Array): void {
    this.write(encodeFrame(payload));
  }

  /** The radio has answered: a handshake that was waiting for it is served now. */
  serveWaiting(): void {
    if (this.waitingNonce !== null && this.state === "waiting") this.serveHandshake(this.waitingNonce);
  }

  close(reason: string): void {
    if (this.state === "closed") return;
    this.closeReason = reason;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const oversized = this.decoder.stats.oversized;
    this.decoder.push(chunk);
    if (this.decoder.stats.oversized > oversized) this.close("sent a frame longer than 512 bytes");
  }

  /** Bytes outside a frame. The Python client wakes the line with 0xC3 bytes first (stream_interface.py); anything else is garbage. */
  private onSkipped(bytes: Buffer): void {
    for (const byte of bytes) {
      if (byte !== MAGIC_2) {
        this.close("sent bytes that are no Meshtastic frame");
        return;
      }
    }
  }

  private onFrame(payload: Buffer): void {
    if (this.state === "closed") return;
    this.heard();
    let message: ToRadio;
    try {
      message = decodeToRadio(payload);
    } catch {
      this.close("sent a frame that is no ToRadio message");
      return;
    }
    const request = this.host.classify(message);
    this.chain = this.chain.then(() => this.handle(request, payload)).catch((err: unknown) => this.close(`request failed: ${String(err)}`));
  }

  private async handle(request: ClientRequest, payload: Uint8Array): Promise<void> {
    if (this.state === "closed") return;
    switch (request.kind) {
      case "handshake":
        this.serveHandshake(request.nonce);
        return;
      case "disconnect":
        this.close("the client sent disconnect");
        return;
      case "ignore":
        return;
      default:
        await this.host.act(this, request, payload);
    }
  }

  /** A whole frame came: bytes alone (half a header, wake bytes) never keep a slot. */
  private heard(): void {
    if (this.heardFrame) {
      this.silence?.refresh();
      return;
    }
    this.heardFrame = true;
    if (this.silence) clearTimeout(this.silence);
    this.silence = setTimeout(() => this.close(`sent nothing for ${seconds(this.options.idleMs)}`), this.options.idleMs);
  }

  private serveHandshake(nonce: number): void {
    const view = this.host.view();
    if (view === null) {
      // Before the radio has answered, nothing true could be said: the client waits.
      this.state = "waiting";
      this.waitingNonce = nonce;
      this.waitTimer ??= setTimeout(() => this.close(`the radio did not answer within ${this.options.waitMs} ms`), this.options.waitMs);
      return;
    }
    this.view = view;
    // A configuration-only handshake (69420) gives no nodes: what the client had stays.
    if (nonce !== NONCE_ONLY_CONFIG) this.known = new KnownNodes(view.identities);
    this.waitingNonce = null;
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = null;
    // The firmware restarts its state machine on every want_config; live frames follow the complete.
    const held = this.held;
    this.held = [];
    // Streamed as the client reads: a large handshake is no reason to drop a client that reads.
    this.socket.cork();
    this.output.handshake(view.handshake(nonce));
    this.state = "ready";
    for (const frame of held) this.write(frame);
    this.socket.uncork();
  }

  private write(bytes: Buffer): void {
    if (this.state === "closed" || this.socket.destroyed) return;
    this.output.write(bytes);
  }

  private onClosed(): void {
    if (this.state === "closed") return;
    this.state = "closed";
    if (this.waitTimer) clearTimeout(this.waitTimer);
    if (this.silence) clearTimeout(this.silence);
    this.held = [];
    this.host.closed(this, this.closeReason);
  }
}
