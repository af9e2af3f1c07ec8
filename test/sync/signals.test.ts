import { describe, expect, it } from "vitest";
import { SignalDeduper, judgeNodeSeen, judgeRoutingError } from "../../src/sync/signals.js";

const unknown = { hasKey: (): boolean | null => null };

describe("judgeNodeSeen", () => {
  it("a packet from an unknown node is a key_missing signal, unless it brings the key itself", () => {
    expect(judgeNodeSeen({ num: 7, replayed: false, encrypted: false }, unknown)).toEqual({ kind: "missing", num: 7, reason: "unknown_sender" });
    expect(judgeNodeSeen({ num: 7, replayed: false, encrypted: false, withKey: true }, unknown)).toEqual({ kind: "none" });
    expect(judgeNodeSeen({ num: 7, replayed: true, encrypted: true }, unknown)).toEqual({ kind: "none" });
    expect(judgeNodeSeen({ num: 7, replayed: false, encrypted: true }, unknown)).toMatchObject({ kind: "missing", reason: "encrypted_from_unknown" });
    expect(judgeNodeSeen({ num: 7, replayed: false, encrypted: false }, { hasKey: () => false })).toEqual({ kind: "none" });
  });
});

describe("judgeRoutingError", () => {
  const error = (name: string, pki = true, to: number | null = 9, client: string | null = null) => ({ requestId: 1, to, pki, client, error: name, code: 0 });

  it("NO_CHANNEL to a PKI DM is a key mismatch (real firmware's answer when the destination cannot decrypt); to a channel packet it is not", () => {
    expect(judgeRoutingError(error("NO_CHANNEL"))).toEqual({ kind: "mismatch", num: 9, error: "NO_CHANNEL" });
    expect(judgeRoutingError(error("NO_CHANNEL", false))).toEqual({ kind: "none" });
    expect(judgeRoutingError(error("PKI_FAILED"))).toEqual({ kind: "mismatch", num: 9, error: "PKI_FAILED" });
  });

  it("keeps the other PKI answers apart, and ignores errors for packets it cannot place", () => {
    expect(judgeRoutingError(error("PKI_UNKNOWN_PUBKEY"))).toEqual({ kind: "remote_lacks_our_key", num: 9 });
    expect(judgeRoutingError(error("PKI_SEND_FAIL_PUBLIC_KEY"))).toEqual({ kind: "missing", num: 9, reason: "radio_lacks_key", client: null });
    expect(judgeRoutingError(error("NO_CHANNEL", true, null))).toEqual({ kind: "none" });
    expect(judgeRoutingError(error("MAX_RETRANSMIT"))).toEqual({ kind: "none" });
  });
});

describe("signals from API clients", () => {
  const error = (name: string, client: string | null) => ({ requestId: 1, to: 9, pki: true, client, error: name, code: 0 });

  it("a client's PKI_FAILED (the key it put in its own packet) is no key mismatch; the bridge's is", () => {
    expect(judgeRoutingError(error("PKI_FAILED", "127.0.0.1:5000"))).toEqual({ kind: "none" });
    expect(judgeRoutingError(error("PKI_FAILED", null))).toMatchObject({ kind: "mismatch" });
  });

  it("a client's PKI_SEND_FAIL_PUBLIC_KEY names the client, whose signals are rate-limited", () => {
    expect(judgeRoutingError(error("PKI_SEND_FAIL_PUBLIC_KEY", "127.0.0.1:5000"))).toMatchObject({ kind: "missing", client: "127.0.0.1:5000" });
  });
});

describe("SignalDeduper", () => {
  it("admits a node once per window, again after it", () => {
    const d = new SignalDeduper();
    expect(d.admit(1, 0, 1_000)).toBe(true);
    expect(d.admit(1, 999, 1_000)).toBe(false);
    expect(d.admit(2, 999, 1_000)).toBe(true);
    expect(d.admit(1, 1_000, 1_000)).toBe(true);
  });

  it("forgets what aged out as it goes, so its size follows the window, not the nodes ever seen", () => {
    const d = new SignalDeduper();
    for (let i = 0; i < 100_000; i++) d.admit(i, i, 1_000);
    expect(d.size).toBe(1_000);
  });

  it("remembers at most 50,000 nodes however many signal within the window, the oldest forgotten first", () => {
    const d = new SignalDeduper();
    for (let i = 0; i < 60_000; i++) d.admit(i, 0, 60_000);
    expect(d.size).toBe(50_000);
    expect(d.admit(9_999, 1, 60_000)).toBe(true); // forgotten: may signal once more
    expect(d.admit(59_999, 1, 60_000)).toBe(false);
  });
});
