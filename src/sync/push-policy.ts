// The push policy (CONTRACT.md "The push policy"), for every path that may put a key into
// the radio with AdminMessage.add_contact: pure, so each rule is tested on its own and no
// path can grow its own variant. The shell (push.ts) gathers the facts, keeps the shared
// push.max_per_hour limit, sends and confirms.
//
// Why these rules (firmware src/mesh/NodeDB.cpp NodeDB::addFromContact, FIRMWARE.md):
// add_contact overwrites the node's user and key, whatever the radio held, and marks the node
// a favourite; a node the radio holds as manually verified keeps its key unless the contact
// is marked verified too. So replacing a key is a user's decision (the `push` command), never
// an automatic one, and a verified key is replaced only when the user says `verify`.
import type { KeyRecord } from "../directory/record.js";
import { sameKey } from "../directory/record.js";
import type { Shareable } from "../directory/shareable.js";
import type { Contact } from "../radio/link.js";

/** "command": the push command (may replace a key); "fill": automatic, only fills a key the radio lacks. */
export type PushPath = "command" | "fill";

/** What the radio holds for the node, as far as the bridge knows. */
export interface RadioHolding {
  /** null: no key (or no entry). */
  key: Uint8Array | null;
  /** The radio's is_key_manually_verified for its entry. */
  verified: boolean;
}

export interface PushFacts {
  /** push.enabled */
  enabled: boolean;
  record: Readonly<KeyRecord> | undefined;
  /** directory.shareable(num, share.trust): the one rule for a key that may leave the bridge. */
  shareable: Shareable;
  radio: RadioHolding;
  /** Only on the command path: send the contact marked verified. */
  verify: boolean;
}

export type PushDecision =
  /** add_contact with this contact. */
  | { send: Contact; fingerprint: string }
  /** The radio already holds exactly that key (and the verified mark, when asked): nothing to send. */
  | { held: true; fingerprint: string; verified: boolean }
  | { refused: string };

export function decidePush(path: PushPath, facts: PushFacts): PushDecision {
  const { record, shareable, radio } = facts;
  const verify = path === "command" && facts.verify;
  if (!facts.enabled) return { refused: "push is off (push.enabled)" };
  if (!record) return { refused: "the node is not in the key directory" };
  // The confirmed key of a changed node may be the right one or the outdated one: until
  // accept_key or reject_key says which, nothing goes to the radio.
  if (record.changed) return { refused: `the key of ${record.id} changed: run accept_key or reject_key first` };
  if ("refused" in shareable) return { refused: shareable.refused };
  if (record.ignored) return { refused: `the radio marks ${record.id} as ignored` };
  const { key, fingerprint } = shareable;
  if (sameKey(radio.key, key) && (radio.verified || !verify)) return { held: true, fingerprint, verified: radio.verified };
  // The firmware would drop the contact (and still ACK it).
  if (radio.verified && !verify) {
    return { refused: `the radio holds the key of ${record.id} as verified; only push with "verify": true replaces it` };
  }
  if (radio.key !== null && !sameKey(radio.key, key) && path === "fill") {
    return { refused: `the radio holds a different key for ${record.id}; only the push command replaces it` };
  }
  // The firmware stores the contact's whole User: the node's traits go with names and key.
  const send: Contact = { num: record.num, longName: record.longName, shortName: record.shortName, publicKey: key, manuallyVerified: verify, traits: record.traits };
  return { send, fingerprint };
}

/** Whether the radio, as read back after a push, holds what was sent; null when it does, else what it holds instead. */
export function confirmation(sent: Contact, radio: RadioHolding & { inRadio: boolean }): string | null {
  if (!radio.inRadio) return "the node is not in the radio's NodeDB";
  if (!sameKey(radio.key, sent.publicKey)) return radio.key === null ? "the radio holds no key for the node" : "the radio still holds a different key";
  if (sent.manuallyVerified && !radio.verified) return "the radio holds the key, not marked verified";
  return null;
}
