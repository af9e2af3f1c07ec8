// The key-related `<base>/bridge/event` payloads (CONTRACT.md, "bridge/event types"), as
// the directory produces them. They are already in the published shape {type, data}, so
// the MQTT side can serialise them as they are, without knowing how they arose.
import type { IdentityEvidence } from "./identity.js";
import type { KeySource } from "./record.js";

export interface KeyAddedEvent {
  type: "key_added";
  data: { id: string; fingerprint: string; source: KeySource };
}

export interface KeyChangedEvent {
  type: "key_changed";
  data: {
    id: string;
    old_fingerprint: string;
    new_fingerprint: string;
    /** "taken": policy alert, the new key replaced ours; "pinned": policy pin, we kept the old one. */
    action: "taken" | "pinned";
    /** Where each key came from, e.g. "nodedb" and "gateway:cabin" when two gateways disagree. */
    old_source: KeySource | null;
    new_source: KeySource;
  };
}

export interface WeakKeyEvent {
  type: "weak_key";
  data: { id: string; fingerprint: string };
}

export interface DuplicateKeyEvent {
  type: "duplicate_key";
  /** `ids`: `id` and every node it shares the key with (renumbering leftovers excluded), sorted. */
  data: { id: string; fingerprint: string; ids: string[] };
}

/**
 * A node's old key heard on the air again after it changed: two live devices claim one node
 * number. `fingerprint`: the key we now hold (or keep pending); `conflicting_fingerprint`:
 * the old key heard. Once per node and conflicting key; nothing flips. Also an uplink claim
 * that contradicts the key our radio or a trusted gateway vouches for (uplink-trust.ts), with
 * `conflicting_source` naming the claim's `uplink:<gateway id>`.
 */
export interface KeyConflictEvent {
  type: "key_conflict";
  data: { id: string; fingerprint: string; conflicting_fingerprint: string; conflicting_source?: KeySource };
}

/** The radio's NodeDB holds a key other than the confirmed one; once per node and radio key. */
export interface RadioKeyStaleEvent {
  type: "radio_key_stale";
  data: { id: string; radio_fingerprint: string; confirmed_fingerprint: string };
}

/**
 * Firmware 2.8: a new identity whose user matches a node gone silent (a re-flash makes a new
 * key and number): advice, never a key change (identity.ts).
 */
export interface IdentityReplacedEvent {
  type: "identity_replaced";
  data: { old_id: string; new_id: string; evidence: IdentityEvidence };
}

export type KeyEvent = KeyAddedEvent | KeyChangedEvent | WeakKeyEvent | DuplicateKeyEvent | KeyConflictEvent | RadioKeyStaleEvent | IdentityReplacedEvent;
export type KeyEventType = KeyEvent["type"];
