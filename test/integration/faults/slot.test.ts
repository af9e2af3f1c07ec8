// The slot-taken decision alone (pure): which drops count, the window, and the reset.
import { describe, expect, it } from "vitest";
import { SlotGuard } from "../../../src/radio/slot.js";

const policy = { threshold: 3, windowMs: 120_000, backoffMs: 300_000 };
const peer = (at: number) => ({ at, configured: true, byPeer: true });

describe("SlotGuard", () => {
  it("three radio-side drops of configured connections within the window: yield for backoffMs, then count afresh", () => {
    const guard = new SlotGuard(policy);
    expect(guard.onClose(peer(0))).toEqual({ kind: "retry" });
    expect(guard.onClose(peer(10_000))).toEqual({ kind: "retry" });
    expect(guard.onClose(peer(20_000))).toEqual({ kind: "yield", closes: 3, backoffMs: 300_000, reason: "another client holds the radio's TCP connection; retrying in 300 s" });
    expect(guard.onClose(peer(330_000))).toEqual({ kind: "retry" });
  });

  it("drops we caused, drops before the handshake, and drops spread beyond the window never add up to a yield", () => {
    const guard = new SlotGuard(policy);
    for (let i = 0; i < 10; i++) expect(guard.onClose({ at: i, configured: true, byPeer: false }).kind).toBe("retry");
    for (let i = 0; i < 10; i++) expect(guard.onClose({ at: i, configured: false, byPeer: true }).kind).toBe("retry");
    for (let i = 0; i < 10; i++) expect(guard.onClose(peer(i * 61_000)).kind).toBe("retry"); // a reboot now and then
  });
});
