import { describe, expect, it } from "vitest";
import { backoff, jitter } from "../../src/timing/backoff.js";

describe("backoff", () => {
  it("starts at the minimum and doubles per attempt up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoff(a, 1_000, 60_000))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000,
    ]);
  });

  it("never exceeds the cap and never returns Infinity or NaN, however many attempts", () => {
    for (const attempt of [10, 100, 1_023, 1_024, 5_000, Number.MAX_SAFE_INTEGER]) {
      expect(backoff(attempt, 15_000, 300_000)).toBe(300_000);
    }
  });

  it("treats a negative or fractional attempt as the whole number below, at least 0", () => {
    expect(backoff(-3, 20, 200)).toBe(20);
    expect(backoff(2.9, 20, 200)).toBe(80);
  });

  it("a cap below the minimum wins", () => {
    expect(backoff(0, 15_000, 10_000)).toBe(10_000);
  });
});

describe("jitter", () => {
  it("spreads by the fraction either way, the middle of the range keeping the value", () => {
    expect(jitter(1_000, 0.2, 0)).toBe(800);
    expect(jitter(1_000, 0.2, 0.5)).toBe(1_000);
    expect(jitter(1_000, 0.2, 0.999_999)).toBe(1_200);
    expect(jitter(1_000, 0, 0.7)).toBe(1_000);
  });
});
