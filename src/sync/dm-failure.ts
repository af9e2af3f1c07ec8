// What a failed PKI DM means for the user, from the routing error and what the key directory
// knows of the destination. Pure. On real firmware (FIRMWARE.md, measured) a destination that
// cannot decrypt answers NO_CHANNEL, not PKI_FAILED, and a bare "NO_CHANNEL" hides that the
// cure is usually one command away (accept_key, push).
import type { NodeView } from "../directory/record.js";

/** The destination's key state, and what to do about it, as one clause. */
export function keyState(id: string, view: NodeView | undefined): string {
  if (!view) return `${id} is not in our key directory`;
  const ours = view.key_fingerprint;
  switch (view.status) {
    case "radio_stale":
      return `the radio holds an old key for ${id} (status radio_stale, radio ${view.radio_fingerprint ?? "none"}, confirmed ${ours}): push the confirmed key (bridge/request/push)`;
    case "changed":
      return `the key of ${id} changed (status changed, now ${ours}): if the device was re-flashed, run accept_key and then push; if not, reject_key`;
    case "missing":
      return `our key directory has no key for ${id} either (status missing)`;
    case "weak":
    case "duplicate":
      return `the key of ${id} is ${view.status === "weak" ? "a known weak key" : "shared with another node"} (status ${view.status}): it is never pushed`;
    case "ok":
      return view.in_radio
        ? `the radio holds the key we hold for ${id} (status ok, ${ours}): ${id} may hold an old key for this radio, or was re-flashed and its new key was not heard yet`
        : `${id} is not in the radio's NodeDB (status ok, ${ours})`;
  }
}

/** The `send` command's error for a routing error on a PKI DM; `pushNote` says what the automatic fill did. */
export function dmFailure(id: string, error: string, view: NodeView | undefined, pushNote: string): string {
  switch (error) {
    case "PKI_SEND_FAIL_PUBLIC_KEY": {
      const have = view?.key_fingerprint ? `our key directory has one (fingerprint ${view.key_fingerprint}); ${pushNote}` : "our key directory has none either";
      return `the radio has no public key for ${id} (PKI_SEND_FAIL_PUBLIC_KEY): ${have}`;
    }
    case "NO_CHANNEL":
      return `${id} could not decrypt the DM (NO_CHANNEL): ${keyState(id, view)}; see the key_mismatch event`;
    case "PKI_FAILED":
      return `the radio's key for ${id} does not match (PKI_FAILED): ${keyState(id, view)}; see the key_mismatch event`;
    case "PKI_UNKNOWN_PUBKEY":
      return `${id} does not have our public key (PKI_UNKNOWN_PUBKEY): the radio re-sends our NodeInfo by itself; send again once ${id} has heard it`;
    default:
      return `the radio could not deliver to ${id}: ${error}`;
  }
}
