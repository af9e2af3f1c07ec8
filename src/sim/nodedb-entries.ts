// Which nodes the simulated radio's NodeDB holds: the seeded mesh it starts with (same seed,
// same mesh), its capacity, the firmware's eviction when full (NodeDB::getOrCreateMeshNode,
// pure in eviction.ts) and numbers for new nodes. Kept apart from nodedb.ts, which decides
// what the firmware writes into an entry, so that each part reads against its own firmware
// functions. The devices' own keys, where they differ, are kept apart in air.ts.
import { nodeId } from "../node-id.js";
import { PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { SimAir } from "./air.js";
import { pickEviction } from "./eviction.js";
import { generateMesh, makeNode } from "./generate.js";
import { numberByKey, numberMeshByKeys, usableNum } from "./identity.js";
import type { SimNode } from "./node.js";
import { Prng } from "./prng.js";

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

export const DEFAULT_CAPACITY = 250;

/** 250 (the largest 2.7 board), or no limit when the generated mesh would not fit in it. */
export function defaultCapacity(count: number): number {
  return count + 1 <= DEFAULT_CAPACITY ? DEFAULT_CAPACITY : Number.POSITIVE_INFINITY;
}

export class NodeDbEntries {
  readonly own: SimNode;
  /** Fake private key, sent only in the `security` config section: clients must never leak it. */
  readonly ownPrivateKey: Uint8Array;
  readonly capacity: number;
  /** Entries given up for new nodes since start. */
  evictions = 0;
  protected readonly others = new Map<number, SimNode>();
  protected readonly air = new SimAir();
  protected readonly prng: Prng;
  private readonly now: number;
  protected readonly keyNumbers: boolean;

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

  protected taken(num: number): boolean {
    return this.others.has(num) || this.air.has(num) || this.air.silent(num) || num === this.own?.num;
  }

  /** Room for one more entry: false when the NodeDB is full and every node is protected. */
  protected makeRoom(): boolean {
    if (this.others.size + 1 < this.capacity) return true;
    const victim = pickEviction(this.others.values());
    return victim !== null && this.evict(victim.num);
  }

  private freshNum(): number {
    for (;;) {
      const num = this.prng.nextU32();
      if (!usableNum(num) || this.taken(num)) continue;
      return num;
    }
  }
}
