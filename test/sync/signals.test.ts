import { describe, expect, it } from "vitest";
import { judgeNodeSeen, judgeRoutingError } from "../../src/sync/signals.js";

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
  const error = (name: string, pki = true, to: number | null = 9) => ({ requestId: 1, to, pki, error: name, code: 0 });

  it("NO_CHANNEL to a PKI DM is a key mismatch (real firmware's answer when the destination cannot decrypt); to a channel packet it is not", () => {
    expect(judgeRoutingError(error("NO_CHANNEL"))).toEqual({ kind: "mismatch", num: 9, error: "NO_CHANNEL" });
    expect(judgeRoutingError(error("NO_CHANNEL", false))).toEqual({ kind: "none" });
    expect(judgeRoutingError(error("PKI_FAILED"))).toEqual({ kind: "mismatch", num: 9, error: "PKI_FAILED" });
  });

  it("keeps the other PKI answers apart, and ignores errors for packets it cannot place", () => {
    expect(judgeRoutingError(error("PKI_UNKNOWN_PUBKEY"))).toEqual({ kind: "remote_lacks_our_key", num: 9 });
    expect(judgeRoutingError(error("PKI_SEND_FAIL_PUBLIC_KEY"))).toEqual({ kind: "missing", num: 9, reason: "radio_lacks_key" });
    expect(judgeRoutingError(error("NO_CHANNEL", true, null))).toEqual({ kind: "none" });
    expect(judgeRoutingError(error("MAX_RETRANSMIT"))).toEqual({ kind: "none" });
  });
});
