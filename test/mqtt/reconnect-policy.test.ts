import { describe, expect, it } from "vitest";
import { ReconnectPolicy } from "../../src/mqtt/reconnect-policy.js";

const opts = { minMs: 1_000, maxMs: 15_000, stableMs: 60_000, takeoverPauseMs: 300_000 };

describe("ReconnectPolicy", () => {
  it("failed attempts double the wait up to the cap", () => {
    const policy = new ReconnectPolicy(opts);
    const waits = [0, 1, 2, 3, 4, 5].map((i) => policy.onClose({ now: i, connectedAt: null, reasonCode: null }).waitMs);
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
  });

  it("a connection dropped soon after it was made does not reset the delay; it keeps doubling", () => {
    const policy = new ReconnectPolicy(opts);
    let now = 0;
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const connectedAt = now;
      now += 50; // the broker drops us 50 ms after accepting us
      const verdict = policy.onClose({ now, connectedAt, reasonCode: null });
      waits.push(verdict.waitMs);
      expect(verdict.shortDrops).toBe(i + 1);
      now += verdict.waitMs;
    }
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 15_000, 15_000]);
  });

  it("a connection that held resets the delay and the count of short drops", () => {
    const policy = new ReconnectPolicy(opts);
    for (let i = 0; i < 4; i++) policy.onClose({ now: i * 10, connectedAt: i * 10 - 5, reasonCode: null });
    const verdict = policy.onClose({ now: 200_000, connectedAt: 100_000, reasonCode: null });
    expect(verdict).toEqual({ waitMs: 1_000, takenOver: false, shortDrops: 0 });
  });

  it("after a session takeover (0x8E) waits at least the takeover pause", () => {
    const policy = new ReconnectPolicy(opts);
    const verdict = policy.onClose({ now: 1_000, connectedAt: 0, reasonCode: 0x8e });
    expect(verdict).toEqual({ waitMs: 300_000, takenOver: true, shortDrops: 1 });
    // Any other reason is an ordinary drop.
    expect(policy.onClose({ now: 2_000, connectedAt: 1_500, reasonCode: 0x95 })).toMatchObject({ waitMs: 2_000, takenOver: false });
  });
});
