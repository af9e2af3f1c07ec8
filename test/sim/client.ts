// A plain TCP client for the simulator tests, written with protocol/ only: it records every
// FromRadio frame and lets a test await the frame it expects instead of sleeping.
import { connect, type Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../src/protocol/frames.js";
import { decodeFromRadio, type FromRadio } from "../../src/protocol/messages.js";

const WAIT_MS = 8_000;

type Waiter = { test: () => boolean; resolve: () => void };

export class TestClient {
  readonly frames: FromRadio[] = [];
  readonly decoder: FrameDecoder;
  closed = false;
  private waiters: Waiter[] = [];
  private readonly closedPromise: Promise<void>;

  private constructor(readonly socket: Socket) {
    this.decoder = new FrameDecoder((payload) => {
      this.frames.push(decodeFromRadio(payload));
      this.check();
    });
    socket.on("data", (chunk: Buffer) => this.decoder.push(chunk));
    socket.on("error", () => undefined);
    this.closedPromise = new Promise((resolve) =>
      socket.on("close", () => {
        this.closed = true;
        this.check();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<TestClient> {
    const socket = connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new TestClient(socket);
  }

  send(payload: Uint8Array): void {
    this.socket.write(encodeFrame(payload));
  }

  sendRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Resolves with the index of the first frame at or after `from` that matches. */
  async waitFor(match: (f: FromRadio) => boolean, from = 0, what = "a matching frame"): Promise<number> {
    // Scan each frame once: a 10,000-frame dump must not cost a rescan per arriving frame.
    let next = from;
    let found = -1;
    const scan = (): boolean => {
      for (; found === -1 && next < this.frames.length; next++) {
        const frame = this.frames[next];
        if (frame && match(frame)) found = next;
      }
      return found !== -1;
    };
    await this.until(scan, what);
    return found;
  }

  /** Index of the config_complete_id frame echoing `nonce`. */
  waitComplete(nonce: number, from = 0): Promise<number> {
    return this.waitFor(
      (f) => f.payloadVariant.case === "configCompleteId" && f.payloadVariant.value === nonce,
      from,
      `config_complete_id ${nonce}`,
    );
  }

  /** Resolves once `count` frames have arrived. */
  waitFrames(count: number): Promise<void> {
    return this.until(() => this.frames.length >= count, `${count} frames`);
  }

  waitClosed(): Promise<void> {
    return this.until(() => this.closed, "the socket to close");
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.closedPromise;
  }

  private until(test: () => boolean, what: string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting for ${what} (${this.frames.length} frames, closed=${this.closed})`));
      }, WAIT_MS);
      const waiter: Waiter = {
        test,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  private check(): void {
    const ready = this.waiters.filter((w) => w.test());
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}

/** The variant names of frames, e.g. ["myInfo", "deviceuiConfig", ...]. */
export function kinds(frames: FromRadio[]): string[] {
  return frames.map((f) => f.payloadVariant.case ?? "none");
}

/** Hex of bytes (Buffer or Uint8Array alike), "" for none: decoded fields may be Buffers. */
export function hex(bytes: Uint8Array | null | undefined): string {
  return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex") : "";
}
