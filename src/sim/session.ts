// One client connection of the simulated radio: the PhoneAPI state machine (PhoneAPI.cpp),
// live packets held back until config_complete_id, batched writes that respect backpressure,
// and the "hung radio" mode. What to answer is decided by the server through SessionHooks.
import { FrameDecoder, encodeFrame } from "../protocol/frames.js";
import { decodeToRadio, type ToRadio } from "../protocol/messages.js";
import { dumpKind, dumpPayloads } from "./dump.js";
import type { SessionHooks, SessionOptions, SessionSocket, SessionState } from "./session-hooks.js";

export type { SessionHooks, SessionOptions, SessionSocket, SessionState } from "./session-hooks.js";

/** Dump frames are gathered into writes of about this size: few syscalls, bounded memory. */
const BATCH_BYTES = 32 * 1024;

export class SimSession {
  state: SessionState = "idle";
  private readonly decoder: FrameDecoder;
  private held: Uint8Array[] = [];
  private hung = false;
  private hungWrites: Buffer[] = [];
  private hungFrames: Buffer[] = [];
  private resumeWaiters: (() => void)[] = [];
  private dumpGeneration = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private closeReason = "client closed the connection";

  constructor(
    readonly id: number,
    readonly socket: SessionSocket,
    private readonly hooks: SessionHooks,
    private readonly options: SessionOptions,
  ) {
    this.decoder = new FrameDecoder((payload) => this.onFrame(payload));
  }

  /** `backlog`: packets that reached the radio while no client was connected. */
  start(backlog: Uint8Array[], hung: boolean): void {
    this.held.push(...backlog);
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    this.socket.on("error", (err) => {
      this.closeReason = `socket error: ${err.message}`;
    });
    this.socket.on("close", () => this.onClosed());
    if (this.options.idleTimeoutMs > 0) {
      this.idleTimer = setTimeout(() => this.forget("idle timeout"), this.options.idleTimeoutMs);
      this.idleTimer.unref();
    }
    if (hung) this.hang();
  }

  get closed(): boolean {
    return this.state === "closed";
  }

  get isHung(): boolean {
    return this.hung;
  }

  /** A live packet: sent now when configured, else held until config_complete_id. */
  deliver(payload: Uint8Array): void {
    if (this.closed) return;
    if (this.state !== "ready") {
      this.held.push(payload);
      if (this.held.length > this.options.maxHeldPackets) {
        this.held.shift();
        this.hooks.onHeldDropped(this);
      }
      return;
    }
    this.writeOut(encodeFrame(payload));
  }

  /** Raw bytes outside any frame (debug text, line noise). */
  writeRaw(bytes: Uint8Array): void {
    this.writeOut(Buffer.from(bytes));
  }

  /** Stops reading and answering; the socket stays open. */
  hang(): void {
    if (this.hung || this.closed) return;
    this.hung = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.hung || this.closed) return;
    this.hung = false;
    const writes = this.hungWrites;
    this.hungWrites = [];
    if (writes.length > 0) this.writeOut(Buffer.concat(writes));
    const frames = this.hungFrames;
    this.hungFrames = [];
    for (const frame of frames) this.onFrame(frame);
    this.wakeWaiters();
    this.socket.resume();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.socket.destroy();
  }

  /** PhoneAPI forgets the client, as after a restart: no dump under way, nothing held. */
  reset(): void {
    if (this.closed) return;
    this.state = "idle";
    this.dumpGeneration += 1;
    this.held = [];
  }

  private forget(reason: string): void {
    if (this.options.keepLine) this.reset();
    else this.close(reason);
  }

  private onData(chunk: Buffer): void {
    const before = this.decoder.stats.oversized;
    this.decoder.push(chunk);
    const refused = this.decoder.stats.oversized - before;
    if (refused > 0) this.hooks.onRefused(this, "oversized", refused);
  }

  private onFrame(payload: Buffer): void {
    if (this.closed) return;
    // Frames already read when the radio hung are handled when it resumes, before the dump
    // it interrupted goes on (a want_config among them restarts that dump).
    if (this.hung) {
      this.hungFrames.push(payload);
      return;
    }
    let message: ToRadio;
    try {
      message = decodeToRadio(payload);
    } catch {
      this.hooks.onRefused(this, "undecodable", 1); // PhoneAPI: "ignore malformed toradio"
      return;
    }
    this.idleTimer?.refresh();
    const variant = message.payloadVariant;
    switch (variant.case) {
      case "wantConfigId":
        // "even if we were already connected - restart our state machine" (PhoneAPI.cpp)
        void this.runDump(variant.value).catch((err: unknown) => this.close(`dump failed: ${String(err)}`));
        break;
      case "heartbeat":
        this.hooks.onHeartbeat(this, variant.value.nonce);
        // Nonce 1 makes the radio broadcast its NodeInfo instead of answering (PhoneAPI.cpp).
        if (variant.value.nonce !== 1) this.answerHeartbeat();
        break;
      case "packet":
        this.hooks.onPacket(this, variant.value);
        break;
      case "disconnect":
        this.forget("client sent disconnect"); // PhoneAPI close() -> ServerAPI client.stop()
        break;
      default:
        break; // other variants are ignored, like the firmware's nop handling
    }
  }

  private async runDump(nonce: number): Promise<void> {
    const generation = ++this.dumpGeneration;
    const kind = dumpKind(nonce);
    this.state = "dumping";
    this.hooks.onDumpStart(this, nonce, kind);
    const delay = this.hooks.delayMs(kind);
    if (delay > 0) {
      await new Promise((resolve) => setTimeout(resolve, delay).unref());
      if (generation !== this.dumpGeneration || this.closed) return;
    }
    let batch: Buffer[] = [];
    let size = 0;
    for (const payload of dumpPayloads(nonce, this.hooks.dumpContext())) {
      const frame = encodeFrame(payload);
      batch.push(frame);
      size += frame.length;
      if (size < BATCH_BYTES) continue;
      const flowing = this.writeOut(Buffer.concat(batch, size));
      batch = [];
      size = 0;
      if (!flowing) await this.writable();
      // A newer want_config restarted the state machine, or the client left.
      if (generation !== this.dumpGeneration || this.closed) return;
    }
    this.state = "ready";
    // Held live packets first, then the 2.8 replay: PhoneAPI.cpp STATE_SEND_PACKETS serves a
    // pending live packet before it pops a replayed one.
    const after = this.held.map((p) => encodeFrame(p));
    this.held = [];
    if (kind !== "configOnly") after.push(...this.hooks.replayPayloads().map((p) => encodeFrame(p)));
    this.writeOut(Buffer.concat([...batch, ...after]));
    this.hooks.onDumpComplete(this, nonce, kind);
  }

  private answerHeartbeat(): void {
    const delay = this.hooks.delayMs("heartbeat");
    if (delay <= 0) {
      this.writeOut(encodeFrame(this.hooks.queueStatus()));
      return;
    }
    setTimeout(() => this.writeOut(encodeFrame(this.hooks.queueStatus())), delay).unref();
  }

  /** Returns false when the caller should wait (backpressure, or hung). */
  private writeOut(bytes: Buffer): boolean {
    if (this.closed || bytes.length === 0) return true;
    if (this.hung) {
      this.hungWrites.push(bytes);
      return false;
    }
    this.hooks.onWrite(this, bytes.length);
    return this.socket.write(bytes);
  }

  private async writable(): Promise<void> {
    if (this.hung) await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
    if (this.closed || !this.socket.writableNeedDrain) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  private wakeWaiters(): void {
    const waiters = this.resumeWaiters;
    this.resumeWaiters = [];
    for (const wake of waiters) wake();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.state = "closed";
    this.dumpGeneration += 1;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const unsent = this.held;
    this.held = [];
    this.hungWrites = [];
    this.hungFrames = [];
    this.wakeWaiters();
    this.hooks.onClose(this, this.closeReason, unsent);
  }
}
