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

  it("hands the bytes between frames to onSkipped, in order (a serial radio's console text)", () => {
    const skipped: string[] = [];
    const frames: Buffer[] = [];
    const decoder = new FrameDecoder((p) => frames.push(Buffer.from(p)), (bytes) => skipped.push(bytes.toString("latin1")));
    decoder.push(Buffer.concat([Buffer.from("boot \u2014 ok\n", "utf8"), encodeFrame(Buffer.from([1])), Buffer.from("tail")]));
    expect(frames).toEqual([Buffer.from([1])]);
    expect(Buffer.from(skipped.join(""), "latin1").toString("utf8")).toBe("boot \u2014 ok\ntail");
  });

  it("a lone 0x94 in text stalls nothing, also at the end of a chunk", () => {
    const frames: Buffer[] = [];
    const decoder = new FrameDecoder((p) => frames.push(Buffer.from(p)));
    decoder.push(Buffer.from("INFO \u2014", "utf8")); // ends in E2 80 94
    expect(decoder.pending).toBe(1);
    decoder.push(Buffer.concat([Buffer.from(" x\n"), encodeFrame(Buffer.from([2]))]));
    decoder.push(Buffer.concat([Buffer.from([0x94]), encodeFrame(Buffer.from([3]))]));
    expect(frames).toEqual([Buffer.from([2]), Buffer.from([3])]);
    expect(decoder.pending).toBe(0);
  });

  it("a refused frame is read again from its second byte: a header faked by text cannot swallow the real frame", () => {
    const real = encodeFrame(Buffer.from([0x08, 0x01]));
    // "\u2014\u00c3" is E2 80 94 C3 83: a fake header of length 0x83xx is oversized; this one is not.
    const fake = Buffer.concat([Buffer.from([0x94, 0xc3, 0x00, 0x08]), Buffer.from("ab"), real]);
    const seen: Buffer[] = [];
    const decoder = new FrameDecoder((p) => {
      seen.push(Buffer.from(p));
      return p.length === 2 && p[0] === 0x08; // only the real payload "decodes"
    });
    decoder.push(fake);
    expect(seen.at(-1)).toEqual(Buffer.from([0x08, 0x01]));
    expect(decoder.stats.refused).toBe(1);
    expect(decoder.pending).toBe(0);
  });

  it("resync() re-reads a stale partial frame as skipped bytes", () => {
    const frames: Buffer[] = [];
    const skipped: Buffer[] = [];
    const decoder = new FrameDecoder((p) => frames.push(Buffer.from(p)), (b) => skipped.push(Buffer.from(b)));
    decoder.push(Buffer.from([0x94, 0xc3, 0x01, 0x00, 0x41, 0x42])); // waits for 256 bytes that never come
    expect(decoder.pending).toBe(6);
    decoder.resync();
    expect(decoder.pending).toBe(0);
    expect(Buffer.concat(skipped)).toEqual(Buffer.from([0x94, 0xc3, 0x01, 0x00, 0x41, 0x42]));
    decoder.push(encodeFrame(Buffer.from([9])));
    expect(frames).toEqual([Buffer.from([9])]);
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
