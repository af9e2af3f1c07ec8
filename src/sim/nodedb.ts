// The simulated radio's NodeDB: generated from a seed (same seed, same mesh), then mutated by
// the controls. It holds what the radio believes, which is exactly what a client must learn.
// Firmware key trust (FIRMWARE.md): a received NodeInfo never replaces a stored key, one with
// the radio's own key is refused, and a full NodeDB evicts as getOrCreateMeshNode does. The
// devices' own keys, where they differ, are kept apart in air.ts.
import { nodeId } from "../node-id.js";
import { BROADCAST_NUM, PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { sameBytes } from "./client-packets.js";
import { SimAir } from "./air.js";
import { applyContact, freshEntry, type ContactOutcome, type ContactUser, type SharedContactFlags } from "./contact.js";
import { pickEviction } from "./eviction.js";
import { generateMesh, makeNode } from "./generate.js";
import { identityKey, numberByKey, numberMeshByKeys, reflashedIdentity } from "./identity.js";
import type { SimNode } from "./node.js";
import { Prng } from "./prng.js";

export type { SimNode, SimPosition } from "./node.js";

export interface NodeDbOptions {
  seed: number;
  /** Other nodes besides our own. */
  count: number;
  /** Unix seconds the generated lastHeard values count back from. */
  now: number;
  /**
   * MAX_NUM_NODES, our own node included (80 to 250 on 2.7 boards); at least count + 1.
   * Default: 250, or no limit for a generated mesh that would not fit (it models a proxy or
   * a larger radio, not a 2.7 board).
   */
  capacity?: number;
  /**
   * Firmware 2.8 identity (identity.ts): every keyed node is numbered crc32(key), most of the
   * generated ones have broadcast a signed NodeInfo, and a re-flash makes a new node.
   */
  keyNumbers?: boolean;
}

/** What the radio did with a received NodeInfo (NodeDB::updateUser). */
export type UserUpdate = "stored" | "key_mismatch" | "own_key" | "unsigned" | "no_entry";

/** What add_contact did: the contact's rules (contact.ts), or why no contact was applied. */
export type ContactResult = ContactOutcome | "no_room" | "no_user" | "own_node";

export const DEFAULT_CAPACITY = 250;

/** 250 (the largest 2.7 board), or no limit when the generated mesh would not fit in it. */
export function defaultCapacity(count: number): number {
  return count + 1 <= DEFAULT_CAPACITY ? DEFAULT_CAPACITY : Number.POSITIVE_INFINITY;
}

export class SimNodeDb {
  readonly own: SimNode;
  /** Fake private key, sent only in the `security` config section: clients must never leak it. */
  readonly ownPrivateKey: Uint8Array;
  readonly capacity: number;
  /** Entries given up for new nodes since start. */
  evictions = 0;
  private readonly others = new Map<number, SimNode>();
  private readonly air = new SimAir();
  private readonly prng: Prng;
  private readonly now: number;
  private readonly keyNumbers: boolean;

  constructor(options: NodeDbOptions) {
    this.prng = new Prng(options.seed);
    this.now = options.now;
    this.capacity = options.capacity ?? defaultCapacity(options.count);
    if (this.capacity < options.count + 1) {
      throw new RangeError(`a NodeDB of capacity ${this.capacity} cannot hold ${options.count} nodes and our own`);
    }
    this.keyNumbers = options.keyNumbers ?? false;
    const mesh = generateMesh(this.prng, options.count, this.now, () => this.freshNum());
    this.own = mesh.own;
    this.ownPrivateKey = mesh.ownPrivateKey;
    if (this.keyNumbers) numberMeshByKeys(mesh, () => this.prng.bytes(PUBLIC_KEY_LENGTH), () => this.freshNum());
    for (const node of mesh.nodes) this.others.set(node.num, node);
  }

  /** 2.8 mode: numbers are crc32(key) and a re-flash is a new identity. */
  get numbersFromKeys(): boolean {
    return this.keyNumbers;
  }

  /** Every other node (not our own), in dump order. */
  list(): SimNode[] {
    return [...this.others.values()];
  }

  get size(): number {
    return this.others.size;
  }

  get(num: number): SimNode | undefined {
    return num === this.own.num ? this.own : this.others.get(num >>> 0);
  }

  /** Like get() for another node, but throws: controls name nodes that must exist. */
  require(num: number): SimNode {
    const node = this.others.get(num >>> 0);
    if (!node) throw new RangeError(`no node ${nodeId(num)} in the simulated NodeDB`);
    return node;
  }

  /** The device as it is on the air: its current key, with or without a NodeDB entry. */
  device(num: number): SimNode | undefined {
    return this.air.device(this.others.get(num >>> 0), num);
  }

  requireDevice(num: number): SimNode {
    const device = this.device(num);
    if (!device) throw new RangeError(`no device ${nodeId(num)} in the simulated mesh`);
    return device;
  }

  /** New nodes with keys, heard just now (entries made room for as the firmware does). */
  addNodes(count: number, now: number): SimNode[] {
    const added: SimNode[] = [];
    for (let i = 0; i < count; i++) {
      const node = this.makeKeyed();
      node.lastHeard = now;
      if (!this.makeRoom()) break;
      this.others.set(node.num, node);
      added.push(node);
    }
    return added;
  }

  /** New devices with keys on the air that the radio has not heard yet (no NodeDB entry). */
  addDevices(count: number): SimNode[] {
    const added: SimNode[] = [];
    for (let i = 0; i < count; i++) {
      const node = this.makeKeyed();
      this.air.addAway(node);
      added.push(node);
    }
    return added;
  }

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

  /** The radio drops the node's entry (as when the NodeDB is full); the device stays on the air. */
  evict(num: number): boolean {
    const entry = this.others.get(num >>> 0);
    if (!entry) return false;
    this.air.leave(entry);
    this.others.delete(entry.num);
    this.evictions += 1;
    return true;
  }

  /**
   * The node file is lost (an erase, a failed flash write): the radio boots with its own node
   * alone, as 2.7.26 was measured to. Not evictions. Every device stays on the air with its
   * own key, so a node heard again (heardFrom, receiveUser) or given by add_contact comes back
   * as a fresh entry. Returns how many entries were lost.
   */
  clear(): number {
    const lost = this.others.size;
    for (const entry of [...this.others.values()]) {
      this.air.leave(entry);
      this.others.delete(entry.num);
    }
    return lost;
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

  /** remove_by_nodenum purges the entry; the device itself is still out there. */
  remove(num: number): boolean {
    const entry = this.others.get(num >>> 0);
    if (!entry) return false;
    this.air.leave(entry);
    return this.others.delete(entry.num);
  }

  /** A fresh random id for packets, from the same seeded stream. */
  packetId(): number {
    return this.prng.nextU32() || 1;
  }

  randomBytes(length: number): Uint8Array {
    return this.prng.bytes(length);
  }

  /** A new keyed node, numbered by its key in 2.8 mode. */
  private makeKeyed(): SimNode {
    const node = makeNode(this.prng, this.freshNum(), true, this.now);
    if (this.keyNumbers) this.numberByKey(node);
    return node;
  }

  private numberByKey(node: SimNode): void {
    numberByKey(node, (num) => this.taken(num), () => this.prng.bytes(PUBLIC_KEY_LENGTH));
  }

  private taken(num: number): boolean {
    return this.others.has(num) || this.air.has(num) || this.air.silent(num) || num === this.own?.num;
  }

  /** Room for one more entry: false when the NodeDB is full and every node is protected. */
  private makeRoom(): boolean {
    if (this.others.size + 1 < this.capacity) return true;
    const victim = pickEviction(this.others.values());
    return victim !== null && this.evict(victim.num);
  }

  private freshNum(): number {
    for (;;) {
      const num = this.prng.nextU32();
      // Low numbers are reserved by the firmware; broadcast is never a node.
      if (num < 16 || num === BROADCAST_NUM || this.others.has(num) || this.air.has(num) || num === this.own?.num) continue;
      return num;
    }
  }
}
