// The simulated radio's USB serial port: one end of a pseudo-terminal pair (made with socat),
// as a duplex stream a SimSession can serve like a TCP socket. What a real radio's serial
// port adds to the TCP API (SerialConsole.cpp, StreamAPI.cpp): output paced at the baud rate,
// console text before the host's first valid frame and, in 2.7.x, after it too (sometimes in
// the middle of a frame), `rebooted` after a restart, and no API at all without serial_enabled.
import { constants, openSync } from "node:fs";
import { Duplex } from "node:stream";
import { ReadStream } from "node:tty";
import { FrameDecoder, encodeFrame } from "../protocol/frames.js";
import { decodeFromRadio, decodeToRadio, encodeFromRadio, type FromRadio } from "../protocol/messages.js";
import { Prng } from "./prng.js";
import { bootText, debugLine } from "./serial-console.js";
import { Pacer } from "./serial-pacer.js";

export interface SerialLineOptions {
  /** SERIAL_BAUD: 115200. Output leaves at baud / 10 bytes a second. */
  baud?: number;
  /** config.security.serial_enabled: without it the radio reads no frames, and only prints. */
  api?: boolean;
  /** Keep printing console text after the host's first valid frame (2.7.x without debug_log_api_enabled); false: 2.8, muted. */
  consoleAfterApi?: boolean;
  /** A debug line every this many ms; 0: only the boot text and what print() adds. */
  consoleEveryMs?: number;
  /** One in this many debug lines lands in the middle of a frame, tearing it; 0: never. */
  tearEvery?: number;
  seed?: number;
}

export interface SerialLineStats {
  consoleLines: number;
  /** Frames torn by text. */
  torn: number;
}

export class SerialLine extends Duplex {
  readonly stats: SerialLineStats = { consoleLines: 0, torn: 0 };
  /** The first bytes the host sent (its wake-up bytes and first frame), for tests. */
  inboundHead = Buffer.alloc(0);
  private readonly pacer: Pacer;
  private readonly prng: Prng;
  private readonly hostFrames: FrameDecoder;
  private readonly options: Required<SerialLineOptions>;
  private apiActive = false;
  private consoleTimer: NodeJS.Timeout | null = null;
  private tearMatch: ((message: FromRadio) => boolean) | null = null;
  private readonly bootedAt = Date.now();

  private constructor(
    private readonly tty: ReadStream,
    options: SerialLineOptions,
  ) {
    super({ allowHalfOpen: false });
    this.options = { baud: 115_200, api: true, consoleAfterApi: true, consoleEveryMs: 0, tearEvery: 0, seed: 1, ...options };
    this.prng = new Prng(this.options.seed + 101);
    this.pacer = new Pacer(this.options.baud, (bytes) => this.tty.write(bytes), () => this.emit("idle"));
    this.hostFrames = new FrameDecoder((payload) => this.onHostFrame(payload));
    tty.on("data", (chunk: Buffer) => this.onInbound(chunk));
    tty.on("end", () => this.destroy());
    tty.on("close", () => this.destroy());
    tty.on("error", () => this.destroy());
    if (this.options.consoleEveryMs > 0) {
      this.consoleTimer = setInterval(() => this.periodicLine(), this.options.consoleEveryMs);
    }
    this.print(bootText());
  }

  /** Opens `path` (one end of a pty pair); throws as open(2) does (ENOENT, EACCES). */
  static open(path: string, options: SerialLineOptions = {}): SerialLine {
    const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY | constants.O_NONBLOCK);
    const tty = new ReadStream(fd);
    tty.setRawMode(true);
    return new SerialLine(tty, options);
  }

  /** A TCP socket's method the session calls; a serial line has no Nagle. */
  setNoDelay(): this {
    return this;
  }

  get baud(): number {
    return this.options.baud;
  }

  /** Console text: after the frame on the line now, or (inside) in the middle of the next frame. */
  print(text: string | Uint8Array, inside = false): void {
    if (this.destroyed) return;
    const bytes = typeof text === "string" ? Buffer.from(text, "utf8") : Buffer.from(text);
    this.stats.consoleLines += typeof text === "string" ? text.split("\n").length - 1 : 0;
    if (inside) this.stats.torn += 1;
    this.pacer.say(bytes, inside, this.prng.next());
  }

  /** The next frame the radio writes for which `match` holds gets a console line in its middle. */
  tearNext(match: (message: FromRadio) => boolean): void {
    this.tearMatch = match;
  }

  /**
   * The radio restarts: what it had not sent yet is lost, it prints its boot log, sends
   * `rebooted` (StreamAPI::emitRebooted, at boot) and reads no frames as API frames until the
   * host's next valid one: the console is text again.
   */
  reboot(): void {
    this.pacer.drop();
    this.apiActive = false;
    this.print(bootText());
    this.pacer.enqueue(encodeFrame(encodeFromRadio({ payloadVariant: { case: "rebooted", value: true } })));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pacer.enqueue(chunk, () => callback(), this.tearMatch ? (payload) => this.tearText(payload) : undefined);
  }

  override _read(): void {
    this.tty.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.consoleTimer) clearInterval(this.consoleTimer);
    this.consoleTimer = null;
    this.pacer.stop();
    this.tty.destroy();
    callback(error);
  }

  /** Bytes the radio has put on the line. */
  get bytesOut(): number {
    return this.pacer.bytesOut;
  }

  private onInbound(chunk: Buffer): void {
    if (this.inboundHead.length < 256) this.inboundHead = Buffer.concat([this.inboundHead, chunk]).subarray(0, 256);
    // Without serial_enabled the port is the console only: frames are never read.
    if (!this.options.api) return;
    this.hostFrames.push(chunk);
    if (!this.push(Buffer.from(chunk))) this.tty.pause();
  }

  private onHostFrame(payload: Buffer): void {
    try {
      decodeToRadio(payload);
      this.apiActive = true;
    } catch {
      // not a valid frame: the console stays as it is
    }
  }

  private periodicLine(): void {
    if (this.apiActive && !this.options.consoleAfterApi) return;
    const tearEvery = this.options.tearEvery;
    const inside = tearEvery > 0 && this.prng.int(1, tearEvery) === 1;
    this.print(debugLine(this.prng, Math.floor((Date.now() - this.bootedAt) / 1000)), inside);
  }

  private tearText(payload: Buffer): Buffer | null {
    const match = this.tearMatch;
    if (!match) return null;
    let message: FromRadio;
    try {
      message = decodeFromRadio(payload);
    } catch {
      return null;
    }
    if (!match(message)) return null;
    this.tearMatch = null;
    this.stats.torn += 1;
    this.stats.consoleLines += 1;
    return Buffer.from(debugLine(this.prng, Math.floor((Date.now() - this.bootedAt) / 1000)), "utf8");
  }
}
