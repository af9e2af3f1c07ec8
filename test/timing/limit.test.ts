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
});
