import { describe, expect, it } from "vitest";
import { judgeNodeSeen } from "../../src/sync/signals.js";

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
