// The simulated radio's NodeDB: what the radio believes, which is exactly what a client must
// learn, and how the firmware writes it into an entry (NodeDB::updateFrom, NodeDB::updateUser,
// NodeDB::addFromContact) or the controls change a device's key. Which entries exist (the
// seeded mesh, capacity, eviction, numbering) is nodedb-entries.ts, kept apart so each part
// reads against its own firmware functions. Firmware key trust (FIRMWARE.md): a received
// NodeInfo never replaces a stored key, and one with the radio's own key is refused.
import { nodeId } from "../node-id.js";
import { PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { sameBytes } from "./node.js";
import { applyContact, freshEntry, type ContactOutcome, type ContactUser, type SharedContactFlags } from "./contact.js";
import { identityKey, reflashedIdentity } from "./identity.js";
import { NodeDbEntries } from "./nodedb-entries.js";
import type { SimNode } from "./node.js";

export type { SimNode, SimPosition } from "./node.js";
export type { NodeDbOptions } from "./nodedb-entries.js";

/** What the radio did with a received NodeInfo (NodeDB::updateUser). */
export type UserUpdate = "stored" | "key_mismatch" | "own_key" | "unsigned" | "no_entry";

/** What add_contact did: the contact's rules (contact.ts), or why no contact was applied. */
export type ContactResult = ContactOutcome | "no_room" | "no_user" | "own_node";

export class SimNodeDb extends NodeDbEntries {
  /**
   * Any packet heard from a device (NodeDB::updateFrom, getOrCreateMeshNode): its entry is
   * created if needed (without a user: only a NodeInfo brings names and key) and its
   * last_heard set. Returns the device as it is on the air.
   */
  heardFrom(num: number, at: number): SimNode {
    const device = this.requireDevice(num);
    let entry = this.others.get(num >>> 0);
    if (!entry && this.makeRoom()) {
      this.air.arrive(num);
      entry = { ...device, longName: "", shortName: "", publicKey: null, isFavorite: false, xeddsaSigned: false, rev: device.rev + 1 };
      this.others.set(entry.num, entry);
      this.air.setKey(entry.num, device.publicKey, null);
    }
    if (entry) {
      entry.lastHeard = at;
      entry.rev += 1;
    }
    return device;
  }

  /**
   * A received NodeInfo carrying `user` (NodeDB::updateUser): a key equal to our own is
   * refused; a stored 32-byte key is never replaced ("Public Key mismatch, dropping
   * NodeInfo"); on 2.8 an unsigned one from a node that has signed is refused; otherwise
   * names and key are stored.
   */
  receiveUser(num: number, user: Pick<SimNode, "longName" | "shortName" | "publicKey">, signed = false): UserUpdate {
    const entry = this.others.get(num >>> 0);
    if (user.publicKey && this.own.publicKey && sameBytes(user.publicKey, this.own.publicKey)) return "own_key";
    if (!entry) return "no_entry";
    if (entry.publicKey && user.publicKey && !sameBytes(entry.publicKey, user.publicKey)) return "key_mismatch";
    // 2.8: once a node has signed, an unsigned update of its identity is refused (Router.cpp).
    if (entry.xeddsaSigned && !signed) return "unsigned";
    entry.longName = user.longName;
    entry.shortName = user.shortName;
    if (user.publicKey) entry.publicKey = Uint8Array.from(user.publicKey);
    if (signed) entry.xeddsaSigned = true;
    this.air.setKey(entry.num, this.device(entry.num)?.publicKey ?? null, entry.publicKey);
    entry.rev += 1;
    return "stored";
  }

  /**
   * The device was re-flashed: a new key on the air. 2.7: under the same number, and the
   * NodeDB entry keeps the old key. 2.8: a new identity, numbered crc32(new key), not yet
   * heard; the old number goes silent, its entry kept with its old key.
   */
  reflash(num: number): Uint8Array {
    const entry = this.others.get(num >>> 0);
    if (!entry && !this.air.has(num)) throw new RangeError(`no device ${nodeId(num)} in the simulated mesh`);
    if (!this.keyNumbers) {
      const key = this.prng.bytes(PUBLIC_KEY_LENGTH);
      this.air.setKey(num, key, entry?.publicKey);
      return Uint8Array.from(key);
    }
    const device = this.requireDevice(num);
    const key = identityKey(() => this.prng.bytes(PUBLIC_KEY_LENGTH), (n) => this.taken(n));
    this.air.silence(num);
    this.air.addAway(reflashedIdentity(device, key));
    return Uint8Array.from(key);
  }

  setKey(num: number, key: Uint8Array | null): void {
    if (key !== null && key.length !== PUBLIC_KEY_LENGTH) {
      throw new RangeError(`a public key has ${PUBLIC_KEY_LENGTH} bytes, not ${key.length}`);
    }
    const node = this.require(num);
    node.publicKey = key === null ? null : Uint8Array.from(key);
    node.rev += 1;
    // Rewritten in the NodeDB (add_contact, a node reset): the device broadcasts it too.
    this.air.setKey(node.num, node.publicKey, node.publicKey);
  }

  rotateKey(num: number): Uint8Array {
    const key = this.prng.bytes(PUBLIC_KEY_LENGTH);
    this.setKey(num, key);
    return Uint8Array.from(key);
  }

  /** Gives `toNum` the key of `fromNum`: the symptom of cloned firmware images. */
  duplicateKey(fromNum: number, toNum: number): Uint8Array {
    const key = this.require(fromNum).publicKey;
    if (!key) throw new RangeError(`node ${nodeId(fromNum)} has no key to duplicate`);
    this.setKey(toNum, key);
    return Uint8Array.from(key);
  }

  markLacksOurKey(num: number, lacks: boolean): void {
    const node = this.require(num);
    node.lacksOurKey = lacks;
  }

  /**
   * AdminMessage.add_contact (NodeDB::addFromContact; the rules are in contact.ts). An unknown
   * node gets an entry as a full NodeDB makes room for one; with every entry protected,
   * nothing is stored ("no_room"). A contact without a user leaves just that entry. Our own
   * node is not modelled: the bridge never sends it.
   */
  addContact(num: number, user: ContactUser | null, now: number, flags: SharedContactFlags = {}): ContactResult {
    if (num >>> 0 === this.own.num) return "own_node";
    const deviceKey = this.device(num)?.publicKey ?? null;
    let node = this.others.get(num >>> 0);
    if (!node) {
      if (!this.makeRoom()) return "no_room";
      node = freshEntry(num, this.air.arrive(num));
      this.others.set(node.num, node);
    }
    if (user === null) return "no_user";
    const outcome = applyContact(node, user, flags, this.own.role, now);
    // The device keeps broadcasting its own key, whatever the contact said.
    if (outcome === "stored") this.air.setKey(node.num, deviceKey ?? node.publicKey, node.publicKey);
    return outcome;
  }
}
