// The simulated radio's UART: what it writes leaves at the line rate (8N1: 10 bits a byte),
// so a 30 KB NodeDB dump takes its ~2.6 s at 115200 baud as on a real radio, and console
// text goes out between frames, or, as the firmware's unlocked log writes do, in the middle
// of one (SerialConsole.cpp: the text is not locked against frame writes).
import { HEADER_LENGTH, MAGIC_1, MAGIC_2, MAX_PAYLOAD } from "../protocol/frames.js";

interface Unit {
  bytes: Buffer;
  /** The payload when the unit is one whole frame (raw bytes and text: null). */
  payload: Buffer | null;
  /** Called once the unit is on the line. */
  done?: () => void;
}

/** Each tick sends what the line carried since the last one: fine enough for 10 ms scheduling. */
const TICK_MS = 10;
/** After a stalled event loop, catch up by at most this much, as a UART never bursts. */
const MAX_CATCH_UP_MS = 50;

export class Pacer {
  private queue: Unit[] = [];
  /** Bytes of queue[0] already sent. */
  private sent = 0;
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private budget = 0;
  private readonly bytesPerMs: number;
  bytesOut = 0;

  constructor(
    baud: number,
    private readonly sink: (bytes: Buffer) => void,
    /** Called each time everything queued has been sent. */
    private readonly onIdle: () => void = () => undefined,
  ) {
    this.bytesPerMs = baud / 10 / 1000;
  }

  get idle(): boolean {
    return this.queue.length === 0;
  }

  /**
   * Bytes as the radio writes them (whole frames, or raw bytes). `insideFrame` may return
   * text to put in the middle of a frame, tearing it; `done` runs once all of it is sent.
   */
  enqueue(bytes: Buffer, done?: () => void, insideFrame?: (payload: Buffer) => Buffer | null): void {
    const units = splitUnits(bytes);
    const torn: Unit[] = [];
    for (const unit of units) {
      const text = unit.payload && insideFrame ? insideFrame(unit.payload) : null;
      torn.push(...(text ? tear(unit, text, Math.max(1, unit.bytes.length >> 1)) : [unit]));
    }
    const last = torn.at(-1);
    if (last) last.done = done;
    else if (done) torn.push({ bytes: Buffer.alloc(0), payload: null, done });
    this.queue.push(...torn);
    this.run();
  }

  /** Console text: at the next frame boundary, or (inside) in the middle of the next frame not yet sent whole. */
  say(text: Buffer, inside = false, at = 0.5): void {
    if (inside) {
      for (let i = 0; i < this.queue.length; i++) {
        const unit = this.queue[i] as Unit;
        const from = i === 0 ? this.sent : 0;
        if (unit.payload === null || unit.bytes.length - from < 2) continue;
        const cut = from + 1 + Math.floor(at * (unit.bytes.length - from - 2));
        // queue[0] may be half sent: its first part keeps the count of bytes sent.
        this.queue.splice(i, 1, ...tear(unit, text, cut));
        this.run();
        return;
      }
    }
    // Between frames: after the one on the line now, if any, else first.
    this.queue.splice(this.queue.length > 0 && this.sent > 0 ? 1 : 0, 0, { bytes: text, payload: null });
    this.run();
  }

  /** Everything not yet sent is lost (the radio restarted); writers waiting on it are released. */
  drop(): void {
    const dropped = this.queue;
    this.queue = [];
    this.sent = 0;
    for (const unit of dropped) unit.done?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private run(): void {
    if (this.timer || this.queue.length === 0) return;
    this.last = performance.now();
    this.budget = 0;
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = Math.min(now - this.last, MAX_CATCH_UP_MS);
    this.last = now;
    this.budget += elapsed * this.bytesPerMs;
    const out: Buffer[] = [];
    let room = Math.floor(this.budget);
    const finished: Unit[] = [];
    while (this.queue.length > 0) {
      const head = this.queue[0] as Unit;
      const take = Math.min(room, head.bytes.length - this.sent);
      if (take > 0) out.push(head.bytes.subarray(this.sent, this.sent + take));
      this.sent += take;
      room -= take;
      if (this.sent < head.bytes.length) break;
      this.queue.shift();
      this.sent = 0;
      finished.push(head);
    }
    const size = out.reduce((n, b) => n + b.length, 0);
    this.budget -= size;
    this.bytesOut += size;
    if (size > 0) this.sink(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, size));
    for (const unit of finished) unit.done?.();
    if (this.queue.length === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
      this.onIdle();
    }
  }
}

/** A frame cut at `cut` with text in between; the second part keeps the frame's callback. */
function tear(unit: Unit, text: Buffer, cut: number): Unit[] {
  return [
    { bytes: unit.bytes.subarray(0, cut), payload: null },
    { bytes: text, payload: null },
    { bytes: unit.bytes.subarray(cut), payload: null, done: unit.done },
  ];
}

/** Our own writes, cut into whole frames (their lengths are ours, so trusted) and raw runs. */
export function splitUnits(bytes: Buffer): Unit[] {
  const units: Unit[] = [];
  let raw = 0;
  let i = 0;
  while (i < bytes.length) {
    const length = bytes[i] === MAGIC_1 && bytes[i + 1] === MAGIC_2 && i + HEADER_LENGTH <= bytes.length ? bytes.readUInt16BE(i + 2) : -1;
    if (length < 0 || length > MAX_PAYLOAD || i + HEADER_LENGTH + length > bytes.length) {
      i += 1;
      continue;
    }
    if (raw < i) units.push({ bytes: bytes.subarray(raw, i), payload: null });
    const end = i + HEADER_LENGTH + length;
    units.push({ bytes: bytes.subarray(i, end), payload: bytes.subarray(i + HEADER_LENGTH, end) });
    i = end;
    raw = end;
  }
  if (raw < bytes.length) units.push({ bytes: bytes.subarray(raw), payload: null });
  return units;
}
