import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { FrameDecoder, MAX_PAYLOAD, encodeFrame } from "../../src/protocol/frames.js";

function decodeAll(chunks: Uint8Array[]): { frames: Buffer[]; decoder: FrameDecoder } {
  const frames: Buffer[] = [];
  const decoder = new FrameDecoder((p) => frames.push(Buffer.from(p)));
  for (const chunk of chunks) decoder.push(chunk);
  return { frames, decoder };
}

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let last = 0;
  for (const p of points) {
    parts.push(bytes.subarray(last, p));
    last = p;
  }
  parts.push(bytes.subarray(last));
  return parts;
}

describe("FrameDecoder", () => {
  it("trusts the length: a payload holding 0x94 0xC3 arrives whole", () => {
    const payload = Buffer.from([1, 0x94, 0xc3, 0x00, 0x05, 2, 3, 0x94, 0xc3]);
    const { frames } = decodeAll([encodeFrame(payload), encodeFrame(Buffer.from([7]))]);
    expect(frames).toEqual([payload, Buffer.from([7])]);
  });

  it("skips debug text and garbage between frames and counts it", () => {
    const { frames, decoder } = decodeAll([Buffer.from("boot log\r\n"), encodeFrame(Buffer.from([9, 9])), Buffer.from([0x94, 0x00, 0x13])]);
    expect(frames).toEqual([Buffer.from([9, 9])]);
    expect(decoder.stats.skippedBytes).toBe(13);
  });

  it("refuses a length over 512 and resynchronises on the next magic", () => {
    const bad = Buffer.from([0x94, 0xc3, 0x02, 0x01, 0xaa, 0xbb]);
    const { frames, decoder } = decodeAll([Buffer.concat([bad, encodeFrame(Buffer.from([5]))])]);
    expect(frames).toEqual([Buffer.from([5])]);
    expect(decoder.stats.oversized).toBe(1);
  });

  it("waits for the rest of a split header or payload", () => {
    const frame = encodeFrame(Buffer.alloc(300, 0x42));
    const { frames, decoder } = decodeAll([frame.subarray(0, 1), frame.subarray(1, 3)]);
    expect(frames).toHaveLength(0);
    decoder.push(frame.subarray(3));
    expect(frames).toHaveLength(1);
    expect(decoder.pending).toBe(0);
  });

  it("encodeFrame refuses payloads over the firmware limit", () => {
    expect(() => encodeFrame(Buffer.alloc(MAX_PAYLOAD + 1))).toThrow(RangeError);
    expect(encodeFrame(Buffer.alloc(MAX_PAYLOAD))).toHaveLength(MAX_PAYLOAD + 4);
  });

  it("any payloads, cut anywhere, come out as they went in", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 0, maxLength: MAX_PAYLOAD }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (payloads, cuts) => {
          const stream = Buffer.concat(payloads.map((p) => encodeFrame(p)));
          const { frames } = decodeAll(splitAt(stream, cuts));
          expect(frames.map((f) => Buffer.from(f).toString("hex"))).toEqual(payloads.map((p) => Buffer.from(p).toString("hex")));
        },
      ),
      { seed: 20261127, numRuns: 300 },
    );
  });
});
