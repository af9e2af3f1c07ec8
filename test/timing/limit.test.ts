import { describe, expect, it } from "vitest";
import { SlidingLimit } from "../../src/timing/limit.js";

describe("SlidingLimit", () => {
  it("allows max actions per sliding window, then frees slots as they age out", () => {
    const limit = new SlidingLimit(2, 60_000);
    expect(limit.take(0)).toBe(true);
    expect(limit.take(10_000)).toBe(true);
    expect(limit.take(59_999)).toBe(false);
    expect(limit.take(60_001)).toBe(true); // the slot of t=0 aged out
    expect(limit.take(60_002)).toBe(false);
    expect(limit.take(120_002)).toBe(true);
  });

  it("allowedAt names the moment the oldest action that must go has aged out, and changes nothing", () => {
    const limit = new SlidingLimit(2, 60_000);
    expect(limit.allowedAt(5)).toBe(5);
    limit.take(0);
    expect(limit.allowedAt(5)).toBe(5); // one slot still free
    limit.take(1_000);
    expect(limit.allowedAt(30_000)).toBe(60_000);
    expect(limit.allowedAt(30_000)).toBe(60_000); // asking twice takes nothing
    expect(limit.take(59_999)).toBe(false);
    expect(limit.take(60_000)).toBe(true); // at the moment allowedAt named
    expect(limit.allowedAt(60_000)).toBe(61_000);
  });

  it("record counts an action even over the limit, so the next one waits for it too", () => {
    const limit = new SlidingLimit(1, 60_000);
    limit.record(0);
    limit.record(10_000); // ran anyway (e.g. a forced sync)
    expect(limit.allowedAt(20_000)).toBe(70_000);
    expect(limit.take(69_999)).toBe(false);
    expect(limit.take(70_001)).toBe(true);
  });

  it("a limit of 0 never allows an action", () => {
    const limit = new SlidingLimit(0, 1_000);
    expect(limit.take(0)).toBe(false);
    expect(limit.allowedAt(0)).toBeGreaterThan(0);
  });

  it("holds a large window exactly, in constant time per action (the uplink's 100,000s a minute)", () => {
    const limit = new SlidingLimit(200_000, 60_000);
    // 200 actions a millisecond for a second, as a flood of envelopes comes: time only moves
    // forward (a clock stepping back is the next test's, and costs a scan back by design).
    let taken0 = 0;
    for (let i = 0; i < 200_000; i++) if (limit.take(Math.floor(i / 200))) taken0++;
    expect(taken0).toBe(200_000);
    expect(limit.take(999)).toBe(false);
    // The first 200 actions (t = 0) leave the window at 60,000 ms: exactly 200 more fit then.
    expect(limit.allowedAt(999)).toBe(60_000);
    let taken = 0;
    for (let i = 0; i < 300; i++) if (limit.take(60_000)) taken++;
    expect(taken).toBe(200);
  });

  it("keeps counting right when the clock steps back", () => {
    const limit = new SlidingLimit(2, 1_000);
    expect(limit.take(5_000)).toBe(true);
    expect(limit.take(4_000)).toBe(true); // the clock stepped back a second
    expect(limit.take(4_500)).toBe(false);
    // Both are in the window at 4,500; the earlier, 4,000, leaves it at 5,000.
    expect(limit.allowedAt(4_500)).toBe(5_000);
    expect(limit.take(5_001)).toBe(true);
    expect(limit.take(5_002)).toBe(false);
  });
});
