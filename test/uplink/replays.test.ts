import { describe, expect, it } from "vitest";
import { RecentPackets } from "../../src/uplink/replays.js";

describe("recent packets", () => {
  it("admits a (from, id) pair once, and forgets the oldest beyond its capacity", () => {
    const recent = new RecentPackets(3);
    expect(recent.admit(1, 10)).toBe(true);
    expect(recent.admit(1, 10)).toBe(false);
    expect(recent.admit(2, 10)).toBe(true);
    expect(recent.admit(1, 11)).toBe(true);
    expect(recent.admit(3, 1)).toBe(true);
    expect(recent.size).toBe(3);
    // (1, 10) was the oldest: forgotten, so admitted again; (3, 1) is still remembered.
    expect(recent.admit(1, 10)).toBe(true);
    expect(recent.admit(3, 1)).toBe(false);
    expect(recent.size).toBe(3);
  });
});
