// Every `<base>/bridge/event` payload (CONTRACT.md, "bridge/event types"): the key events
// the directory raises, and those the sync engine raises about signals, the radio and syncs.
// Already in the published shape {type, data}.
import type { KeyEvent } from "../directory/events.js";
import type { NodeStatus } from "../directory/record.js";



/** Our directory may lack a node's key (at most once per node per interval). */
export interface KeyMissingEvent {
  type: "key_missing";
  data: { id: string; reason: "unknown_sender" | "encrypted_from_unknown" | "radio_lacks_key" };
}

/**
 * A PKI DM failed on a key: the radio's key for the node differs from the one the send carried
 * (PKI_FAILED), or the destination could not decrypt it (NO_CHANNEL on real firmware). `status`
 * is the node's, which names the cure (radio_stale: push; changed: accept_key or reject_key).
 */
export interface KeyMismatchEvent {
  type: "key_mismatch";
  data: { id: string; fingerprint: string | null; status: NodeStatus | null; error: string };
}

/** The far node answered PKI_UNKNOWN_PUBKEY: it lacks our key (its problem; the radio re-sends our NodeInfo). */
export interface RemoteLacksOurKeyEvent {
  type: "remote_lacks_our_key";
  data: { id: string };
}

/** Another client took the radio's single TCP slot. */
export interface RadioSlotTakenEvent {
  type: "radio_slot_taken";
  data: { reason: string; force_closes: number; retry_in_s: number };
}

export interface SyncFailedEvent {
  type: "sync_failed";
  data: { reason: string };
}

/**
 * A radio without per-client access control (firmware before 2.8) sent a dump holding only its
 * own node while the directory knew others in it: its NodeDB is empty. `known`: the directory's
 * other nodes; `refill`: the keys are being put back (push.enabled).
 */
export interface RadioNodeDbEmptiedEvent {
  type: "radio_nodedb_emptied";
  data: { radio_nodes: number; known: number; refill: boolean };
}

/** A fresh directory's first sync, once, instead of one key_added per node. */
export interface FirstSyncEvent {
  type: "first_sync";
  data: { checked: number; added: number };
}

/** Another live bridge instance publishes `online` on our base topic (the MQTT client sees it). */
export interface BridgeConflictEvent {
  type: "bridge_conflict";
  /** `topic`: the state topic both write; `instance`: the other one's; `own_instance`: ours. */
  data: { topic: string; instance: string; own_instance: string };
}

/** The events the sync engine raises; the directory raises the KeyEvents, the MQTT side bridge_conflict. */
export type EngineEvent = KeyMissingEvent | KeyMismatchEvent | RemoteLacksOurKeyEvent | RadioSlotTakenEvent | SyncFailedEvent | RadioNodeDbEmptiedEvent | FirstSyncEvent;
export type BridgeEvent = KeyEvent | EngineEvent | BridgeConflictEvent;
export type BridgeEventType = BridgeEvent["type"];

/** Every `bridge/event` type, in CONTRACT.md's order (Home Assistant's event entity lists them). */
export const BRIDGE_EVENT_TYPES = [
  "key_added",
  "key_changed",
  "key_missing",
  "key_mismatch",
  "weak_key",
  "duplicate_key",
  "remote_lacks_our_key",
  "radio_slot_taken",
  "sync_failed",
  "key_conflict",
  "radio_key_stale",
  "bridge_conflict",
  "radio_nodedb_emptied",
  "first_sync",
  "identity_replaced",
] as const satisfies readonly BridgeEventType[];

// Compile-time: an event type missing from the list (Home Assistant would refuse it) does
// not type-check.
const everyTypeListed: [Exclude<BridgeEventType, (typeof BRIDGE_EVENT_TYPES)[number]>] extends [never] ? true : false = true;
void everyTypeListed;
