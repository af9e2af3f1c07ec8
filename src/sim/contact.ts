// What AdminMessage.add_contact does to one NodeDB entry, as the firmware applies it
// (src/mesh/NodeDB.cpp NodeDB::addFromContact, called from AdminModule::handleReceivedProtobuf
// for add_contact; TypeConversions CopyUserToNodeInfoLite copies the User). Pure over the
// entry it is given; nodedb.ts finds or makes the entry and keeps the air in step.
import { DeviceRole, PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { sameBytes, UNMARKED, type SimNode } from "./node.js";

/** SharedContact's User, as far as the NodeDB stores it. */
export interface ContactUser {
  longName: string;
  shortName: string;
  /** Anything but 32 bytes is stored as "no key": an empty key clears the stored one. */
  publicKey: Uint8Array;
  /** Absent: 0 (UNSET), as in a User that does not set it; the firmware copies it all the same. */
  hwModel?: number;
  /** Absent: 0 (CLIENT). */
  role?: number;
  /** Absent: false. */
  isLicensed?: boolean;
  /** Absent: the optional field unset, and so it is stored. */
  isUnmessagable?: boolean;
}

export interface SharedContactFlags {
  manuallyVerified?: boolean;
  shouldIgnore?: boolean;
}

/** "stored": the entry now holds the contact; "verified_kept": refused over a verified key. */
export type ContactOutcome = "stored" | "verified_kept";

/**
 * Applies a contact to `entry` (mutated). A node the radio holds as manually verified keeps
 * its key unless the contact is marked verified too, or brings that very key; then nothing
 * at all changes. Otherwise the whole user (names, hardware, role, licensed, unmessagable,
 * key) is overwritten with the contact's, what it leaves out reset to defaults, and the
 * node becomes a favourite so it is not evicted (a CLIENT_BASE radio stamps last_heard
 * instead); `manually_verified` sets the verified flag, which nothing here clears.
 * `should_ignore` marks the node ignored, not favourite, without position or metrics, and
 * clears its key (2.7 releases; the 2.8 line keeps the key of an ignored node).
 */
export function applyContact(entry: SimNode, user: ContactUser, flags: SharedContactFlags, ownRole: number, now: number): ContactOutcome {
  if (entry.verified && flags.manuallyVerified !== true && !sameBytes(entry.publicKey ?? NO_KEY, user.publicKey)) return "verified_kept";
  const key = user.publicKey.length === PUBLIC_KEY_LENGTH ? Uint8Array.from(user.publicKey) : null;
  entry.longName = user.longName;
  entry.shortName = user.shortName;
  entry.hwModel = user.hwModel ?? 0;
  entry.role = user.role ?? 0;
  entry.isLicensed = user.isLicensed ?? false;
  entry.isUnmessagable = user.isUnmessagable ?? null;
  entry.publicKey = key;
  if (flags.shouldIgnore === true) {
    entry.isIgnored = true;
    entry.isFavorite = false;
    entry.position = null;
    entry.batteryLevel = 0;
    entry.voltage = 0;
    entry.publicKey = null;
  } else {
    if (ownRole === (DeviceRole.CLIENT_BASE as number)) entry.lastHeard = now;
    else entry.isFavorite = true;
    if (flags.manuallyVerified === true) entry.verified = true;
  }
  entry.rev += 1;
  return "stored";
}

/**
 * The entry getOrCreateMeshNode makes for an unknown node: the firmware zeroes the slot and
 * sets only the number, so last_heard stays 0 (addFromContact leaves it alone). What the
 * device itself is like on the air (`device`, if any) stays its own.
 */
export function freshEntry(num: number, device: SimNode | undefined): SimNode {
  const base: SimNode = device ?? {
    num: num >>> 0,
    id: `!${(num >>> 0).toString(16).padStart(8, "0")}`,
    longName: "",
    shortName: "",
    hwModel: 0,
    role: 0,
    isLicensed: false,
    isUnmessagable: null,
    publicKey: null,
    lastHeard: 0,
    snr: 0,
    hopsAway: 0,
    viaMqtt: false,
    position: null,
    batteryLevel: 0,
    voltage: 0,
    ...UNMARKED,
  };
  return { ...base, publicKey: null, lastHeard: 0, isFavorite: false, isIgnored: false, verified: false, xeddsaSigned: false, rev: base.rev + 1 };
}

const NO_KEY = new Uint8Array(0);
