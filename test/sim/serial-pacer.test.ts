// The simulated UART: bytes leave at baud / 10 a second, console text goes between frames
// or, when asked, into the middle of one. Driven by fake timers, so no test waits on a clock.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { encodeFrame } from "../../src/protocol/frames.js";
import { Pacer, splitUnits } from "../../src/sim/serial-pacer.js";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "performance"] });
});
afterEach(() => {
  vi.useRealTimers();
});

function sink(): { out: Buffer[]; all: () => Buffer } {
  const out: Buffer[] = [];
  return { out, all: () => Buffer.concat(out) };
}

describe("Pacer", () => {
  it("sends at the line rate: 115200 baud is 11.52 bytes a millisecond", () => {
    const s = sink();
    let done = false;
    const pacer = new Pacer(115_200, (b) => s.out.push(Buffer.from(b)));
    pacer.enqueue(Buffer.alloc(5_000, 0x41), () => (done = true));
    vi.advanceTimersByTime(100);
    expect(s.all().length).toBeGreaterThanOrEqual(1_140);
    expect(s.all().length).toBeLessThanOrEqual(1_153);
    expect(done).toBe(false);
    vi.advanceTimersByTime(350);
    expect(s.all().length).toBe(5_000);
    expect(done).toBe(true);
    expect(pacer.idle).toBe(true);
    expect(pacer.bytesOut).toBe(5_000);
  });

  it("9600 baud is twelve times slower", () => {
    const s = sink();
    const pacer = new Pacer(9_600, (b) => s.out.push(Buffer.from(b)));
    pacer.enqueue(Buffer.alloc(1_000, 0x41));
    vi.advanceTimersByTime(500);
    expect(s.all().length).toBeGreaterThanOrEqual(470);
    expect(s.all().length).toBeLessThanOrEqual(480);
    pacer.stop();
  });

  it("puts console text between frames, or inside the next frame when asked", () => {
    const s = sink();
    const pacer = new Pacer(1_000_000, (b) => s.out.push(Buffer.from(b)));
    const a = encodeFrame(Buffer.alloc(40, 0xaa));
    const b = encodeFrame(Buffer.alloc(40, 0xbb));
    pacer.enqueue(Buffer.concat([a, b]));
    pacer.say(Buffer.from("TORN\r\n"), true, 0.5);
    vi.advanceTimersByTime(50);
    const sent = s.all();
    const at = sent.indexOf("TORN\r\n");
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(a.length); // inside frame a
    expect(Buffer.concat([sent.subarray(0, at), sent.subarray(at + 6)])).toEqual(Buffer.concat([a, b]));
    s.out.length = 0;
    pacer.enqueue(Buffer.concat([a, b]));
    pacer.say(Buffer.from("BETWEEN\r\n"));
    vi.advanceTimersByTime(50);
    expect(s.all().toString("latin1").startsWith("BETWEEN\r\n")).toBe(true);
  });

  it("tears a frame the caller picks, and keeps its done() for the last part", () => {
    const s = sink();
    let done = 0;
    const pacer = new Pacer(1_000_000, (b) => s.out.push(Buffer.from(b)));
    const a = encodeFrame(Buffer.alloc(20, 0x01));
    const b = encodeFrame(Buffer.alloc(20, 0x02));
    pacer.enqueue(Buffer.concat([a, b]), () => (done += 1), (payload) => (payload[0] === 0x02 ? Buffer.from("X\r\n") : null));
    vi.advanceTimersByTime(50);
    expect(s.all()).toEqual(Buffer.concat([a, b.subarray(0, 12), Buffer.from("X\r\n"), b.subarray(12)]));
    expect(done).toBe(1);
  });

  it("drop() loses what was not sent and releases its writers (a restart)", () => {
    const s = sink();
    let done = 0;
    const pacer = new Pacer(9_600, (b) => s.out.push(Buffer.from(b)));
    pacer.enqueue(Buffer.alloc(10_000), () => (done += 1));
    vi.advanceTimersByTime(100);
    pacer.drop();
    expect(done).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(s.all().length).toBeLessThan(200);
    pacer.stop();
  });
});

describe("splitUnits", () => {
  it("cuts our own writes into whole frames (payloads holding 0x94 0xC3 included) and raw runs", () => {
    const payload = Buffer.from([1, 0x94, 0xc3, 0x00, 0x02, 2]);
    const units = splitUnits(Buffer.concat([Buffer.from("ab"), encodeFrame(payload), Buffer.from([0x94]), encodeFrame(Buffer.from([7]))]));
    expect(units.map((u) => [u.bytes.toString("hex"), u.payload?.toString("hex") ?? null])).toEqual([
      ["6162", null],
      [encodeFrame(payload).toString("hex"), payload.toString("hex")],
      ["94", null],
      [encodeFrame(Buffer.from([7])).toString("hex"), "07"],
    ]);
  });
});
