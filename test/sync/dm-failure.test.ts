// What a failed DM tells the user: the routing error, the destination's key state and the cure.
import { describe, expect, it } from "vitest";
import type { NodeStatus, NodeView } from "../../src/directory/record.js";
import { dmFailure } from "../../src/sync/dm-failure.js";

const ID = "!54000003";
function view(status: NodeStatus, extra: Partial<NodeView> = {}): NodeView {
  return {
    id: ID, num: 0x54000003, long_name: "n", short_name: "n", has_key: status !== "missing",
    key_fingerprint: status === "missing" ? null : "aaaaaaaaaaaaaaaa", key_source: "nodedb", status,
    verified: false, ignored: false, first_seen: 1, key_changed_at: null, public_key: null,
    pending_fingerprint: null, radio_fingerprint: "bbbbbbbbbbbbbbbb", in_radio: true, confirmed: status === "ok",
    signed: false, replaced_by: null, ...extra,
  };
}

describe("dmFailure", () => {
  it("NO_CHANNEL on a radio_stale node names the old key in the radio and says to push the confirmed one", () => {
    expect(dmFailure(ID, "NO_CHANNEL", view("radio_stale"), "")).toBe(
      `${ID} could not decrypt the DM (NO_CHANNEL): the radio holds an old key for ${ID} (status radio_stale, radio bbbbbbbbbbbbbbbb, confirmed aaaaaaaaaaaaaaaa): push the confirmed key (bridge/request/push); see the key_mismatch event`,
    );
  });

  it("a changed key points at accept_key (then push) or reject_key", () => {
    expect(dmFailure(ID, "NO_CHANNEL", view("changed"), "")).toMatch(/status changed, now aaaaaaaaaaaaaaaa\): if the device was re-flashed, run accept_key and then push; if not, reject_key/);
    expect(dmFailure(ID, "PKI_FAILED", view("changed"), "")).toMatch(/^the radio's key for !54000003 does not match \(PKI_FAILED\): the key of/);
  });

  it("with the radio holding our key, the destination's own stale key is the suspect", () => {
    expect(dmFailure(ID, "NO_CHANNEL", view("ok"), "")).toMatch(/radio holds the key we hold for !54000003 \(status ok, aaaaaaaaaaaaaaaa\): !54000003 may hold an old key for this radio/);
    expect(dmFailure(ID, "NO_CHANNEL", undefined, "")).toMatch(/!54000003 is not in our key directory/);
  });

  it("keeps the missing-key and unknown-pubkey answers, and names other errors plainly", () => {
    expect(dmFailure(ID, "PKI_SEND_FAIL_PUBLIC_KEY", view("ok"), "push is off (push.enabled)")).toBe(
      `the radio has no public key for ${ID} (PKI_SEND_FAIL_PUBLIC_KEY): our key directory has one (fingerprint aaaaaaaaaaaaaaaa); push is off (push.enabled)`,
    );
    expect(dmFailure(ID, "PKI_SEND_FAIL_PUBLIC_KEY", view("missing"), "")).toMatch(/our key directory has none either$/);
    expect(dmFailure(ID, "PKI_UNKNOWN_PUBKEY", view("ok"), "")).toMatch(/does not have our public key \(PKI_UNKNOWN_PUBKEY\): the radio re-sends our NodeInfo/);
    expect(dmFailure(ID, "MAX_RETRANSMIT", view("ok"), "")).toBe(`the radio could not deliver to ${ID}: MAX_RETRANSMIT`);
  });
});
