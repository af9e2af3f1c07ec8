// The stream framing of the Meshtastic TCP and serial API: 0x94 0xC3, a 16-bit big-endian
// length, then one protobuf (firmware src/mesh/StreamAPI.cpp). Shared by the radio link
// and the simulated radio.

export const MAGIC_1 = 0x94;
export const MAGIC_2 = 0xc3;
export const HEADER_LENGTH = 4;
/** MAX_TO_FROM_RADIO_SIZE in the firmware: a longer length is invalid. */
export const MAX_PAYLOAD = 512;

export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_PAYLOAD) {
    throw new RangeError(`frame payload of ${payload.length} bytes exceeds ${MAX_PAYLOAD}`);
  }
  const frame = Buffer.allocUnsafe(HEADER_LENGTH + payload.length);
  frame[0] = MAGIC_1;
  frame[1] = MAGIC_2;
  frame.writeUInt16BE(payload.length, 2);
  frame.set(payload, HEADER_LENGTH);
  return frame;
}

export interface FrameStats {
  /** Complete frames handed to the consumer. */
  frames: number;
  /** Bytes skipped while hunting for a frame start (debug text, garbage). */
  skippedBytes: number;
  /** Headers refused for a length over MAX_PAYLOAD. */
  oversized: number;
  /** Frames the consumer refused (not a protobuf): read again from their second byte. */
  refused: number;
}

/**
 * The consumer of one frame. Returning exactly false says "this was no frame" (its payload does not
 * decode): the decoder then hunts for a magic again from the frame's second byte, so that a
 * header faked by text (a serial console printing "—Ã" is 0x94 0xC3) cannot swallow the real
 * frame that follows it.
 */
export type FrameHandler = (payload: Buffer) => unknown;

/**
 * Splits a byte stream into frame payloads.
 *
 * Once a header is read, the length is trusted: payloads are random-looking bytes (public
 * keys, positions) and may contain 0x94 0xC3 themselves, so the magic is only hunted for
 * between frames. A length over 512 is refused and the reader resynchronises on the next
 * magic, as the firmware's reader does. Bytes between frames go to `onSkipped` (a serial
 * radio's console text), as views that are valid only during the call.
 */
export class FrameDecoder {
  readonly stats: FrameStats = { frames: 0, skippedBytes: 0, oversized: 0, refused: 0 };
  private buffer: Buffer = Buffer.alloc(0);

  constructor(
    private readonly onFrame: FrameHandler,
    private readonly onSkipped?: (bytes: Buffer) => void,
  ) {}

  /** Takes a chunk; copies it, so the caller may reuse its buffer. */
  push(chunk: Uint8Array): void {
    this.buffer = this.buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buffer, chunk]);
    this.drain(0);
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pending(): number {
    return this.buffer.length;
  }

  /**
   * The partial frame held is no frame after all (on a serial line: a header faked by text,
   * then silence): its bytes are read again as skipped bytes from the second one on.
   */
  resync(): void {
    if (this.buffer.length === 0) return;
    this.skip(this.buffer, 0, 1);
    this.drain(1);
  }

  reset(): void {
    this.buffer = Buffer.alloc(0);
  }

  private drain(start: number): void {
    let offset = start;
    const buf = this.buffer;
    while (buf.length - offset >= 2) {
      if (buf[offset] !== MAGIC_1 || buf[offset + 1] !== MAGIC_2) {
        const next = findMagic(buf, offset + 1);
        const stop = next === -1 ? buf.length : next;
        this.skip(buf, offset, stop);
        offset = stop;
        continue;
      }
      if (buf.length - offset < HEADER_LENGTH) break;
      const length = buf.readUInt16BE(offset + 2);
      if (length > MAX_PAYLOAD) {
        this.stats.oversized += 1;
        this.skip(buf, offset, offset + 2);
        offset += 2;
        continue;
      }
      if (buf.length - offset < HEADER_LENGTH + length) break;
      const payload = buf.subarray(offset + HEADER_LENGTH, offset + HEADER_LENGTH + length);
      this.stats.frames += 1;
      if (this.onFrame(payload) === false) {
        this.stats.refused += 1;
        this.skip(buf, offset, offset + 1);
        offset += 1;
        continue;
      }
      offset += HEADER_LENGTH + length;
    }
    // Keep only the unread tail; copying it detaches the delivered payloads from the buffer.
    this.buffer = offset === 0 ? buf : Buffer.from(buf.subarray(offset));
  }

  private skip(buf: Buffer, from: number, to: number): void {
    this.stats.skippedBytes += to - from;
    this.onSkipped?.(buf.subarray(from, to));
  }
}

function findMagic(buf: Buffer, from: number): number {
  let i = buf.indexOf(MAGIC_1, from);
  while (i !== -1 && i + 1 < buf.length && buf[i + 1] !== MAGIC_2) i = buf.indexOf(MAGIC_1, i + 1);
  return i;
}
