// The simulated radio's NodeDB: generated from a seed (same seed, same mesh), then mutated by
// the controls. It holds what the radio believes, which is exactly what a client must learn.
import { nodeId } from "../node-id.js";
import { BROADCAST_NUM, DeviceRole, HardwareModel, PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { Prng } from "./prng.js";

export interface SimPosition {
  latitudeI: number;
  longitudeI: number;
  altitude: number;
}

export interface SimNode {
  num: number;
  /** "!a76f40da" */
  id: string;
  longName: string;
  shortName: string;
  hwModel: number;
  role: number;
  /** 32 bytes, or null for a keyless node (firmware before 2.5, PKI off, licensed mode). */
  publicKey: Uint8Array | null;
  /** Unix seconds. */
  lastHeard: number;
  snr: number;
  hopsAway: number;
  viaMqtt: boolean;
  position: SimPosition | null;
  batteryLevel: number;
  voltage: number;
  /** Set by markLacksOurKey: the far node answers our DMs with PKI_UNKNOWN_PUBKEY. */
  lacksOurKey: boolean;
  isFavorite: boolean;
  isIgnored: boolean;
  verified: boolean;
  /** Bumped on every mutation, so encoders can cache a node's bytes. */
  rev: number;
}

export interface NodeDbOptions {
  seed: number;
  /** Other nodes besides our own. */
  count: number;
  /** Unix seconds the generated lastHeard values count back from. */
  now: number;
}

const PLACES = ["Ridge", "Harbor", "Mill", "Valley", "Summit", "Creek", "Forest", "Bridge", "Tower", "Field"];
const KINDS = ["Relay", "Base", "Rover", "Home", "Camp", "Node", "Repeater", "Car", "Hut", "Mobile"];
const MODELS = [
  HardwareModel.HELTEC_V3,
  HardwareModel.TBEAM,
  HardwareModel.RAK4631,
  HardwareModel.T_ECHO,
  HardwareModel.STATION_G2,
  HardwareModel.TRACKER_T1000_E,
  HardwareModel.SEEED_XIAO_S3,
];
/** Our own radio stands here; the mesh is scattered within about 0.3 degrees. */
const BASE_LAT_I = 482_082_000;
const BASE_LON_I = 163_738_000;

export class SimNodeDb {
  readonly own: SimNode;
  /** Fake private key, sent only in the `security` config section: clients must never leak it. */
  readonly ownPrivateKey: Uint8Array;
  private readonly others = new Map<number, SimNode>();
  private readonly prng: Prng;
  private readonly now: number;

  constructor(options: NodeDbOptions) {
    this.prng = new Prng(options.seed);
    this.now = options.now;
    this.own = this.makeNode(this.freshNum(), true);
    this.own.longName = `Keysync Sim ${this.own.id.slice(-4)}`;
    this.own.shortName = this.own.id.slice(-4);
    this.own.hwModel = HardwareModel.HELTEC_V4;
    this.own.hopsAway = 0;
    this.own.isFavorite = true;
    this.ownPrivateKey = this.prng.bytes(PUBLIC_KEY_LENGTH);
    for (let i = 0; i < options.count; i++) {
      // About one node in ten is keyless; every sixth node's key holds the frame magic.
      const keyless = i % 6 !== 2 && this.prng.next() < 0.1;
      const node = this.makeNode(this.freshNum(), !keyless);
      if (i % 6 === 2 && node.publicKey) plantMagic(node.publicKey, this.prng.int(0, PUBLIC_KEY_LENGTH - 2));
      this.others.set(node.num, node);
    }
    // A mesh of ten or more always has at least one keyless node, so that path is exercised.
    const list = this.list();
    if (list.length >= 10 && !list.some((n) => n.publicKey === null)) {
      const victim = list[9];
      if (victim) victim.publicKey = null;
    }
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

  /** New nodes with keys, heard just now. */
  addNodes(count: number, now: number): SimNode[] {
    const added: SimNode[] = [];
    for (let i = 0; i < count; i++) {
      const node = this.makeNode(this.freshNum(), true);
      node.lastHeard = now;
      this.others.set(node.num, node);
      added.push(node);
    }
    return added;
  }

  setKey(num: number, key: Uint8Array | null): void {
    if (key !== null && key.length !== PUBLIC_KEY_LENGTH) {
      throw new RangeError(`a public key has ${PUBLIC_KEY_LENGTH} bytes, not ${key.length}`);
    }
    const node = this.require(num);
    node.publicKey = key === null ? null : Uint8Array.from(key);
    node.rev += 1;
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

  heard(num: number, at: number): void {
    const node = this.require(num);
    node.lastHeard = at;
    node.rev += 1;
  }

  markLacksOurKey(num: number, lacks: boolean): void {
    const node = this.require(num);
    node.lacksOurKey = lacks;
  }

  /**
   * AdminMessage.add_contact: overwrites the stored user and marks the node favourite; an
   * empty key clears the stored one (FIRMWARE.md, NodeDB.cpp addFromContact).
   */
  addContact(num: number, user: { longName: string; shortName: string; publicKey: Uint8Array }, now: number): SimNode {
    let node = this.others.get(num >>> 0);
    if (!node) {
      node = this.makeNode(num >>> 0, false);
      node.lastHeard = now;
      this.others.set(node.num, node);
    }
    node.longName = user.longName;
    node.shortName = user.shortName;
    node.publicKey = user.publicKey.length === PUBLIC_KEY_LENGTH ? Uint8Array.from(user.publicKey) : null;
    node.isFavorite = true;
    node.rev += 1;
    return node;
  }

  remove(num: number): boolean {
    return this.others.delete(num >>> 0);
  }

  /** A fresh random id for packets, from the same seeded stream. */
  packetId(): number {
    return this.prng.nextU32() || 1;
  }

  randomBytes(length: number): Uint8Array {
    return this.prng.bytes(length);
  }

  private freshNum(): number {
    for (;;) {
      const num = this.prng.nextU32();
      // Low numbers are reserved by the firmware; broadcast is never a node.
      if (num < 16 || num === BROADCAST_NUM || this.others.has(num) || num === this.own?.num) continue;
      return num;
    }
  }

  private makeNode(num: number, withKey: boolean): SimNode {
    const p = this.prng;
    const id = nodeId(num);
    const hasPosition = p.next() < 0.7;
    return {
      num,
      id,
      longName: `${p.pick(PLACES)} ${p.pick(KINDS)} ${id.slice(-4)}`,
      shortName: id.slice(-4).toUpperCase(),
      hwModel: p.pick(MODELS),
      role: p.next() < 0.1 ? DeviceRole.ROUTER : DeviceRole.CLIENT,
      publicKey: withKey ? p.bytes(PUBLIC_KEY_LENGTH) : null,
      lastHeard: this.now - p.int(30, 3 * 24 * 3600),
      snr: Math.round((p.next() * 20 - 10) * 4) / 4,
      hopsAway: p.int(0, 3),
      viaMqtt: p.next() < 0.05,
      position: hasPosition
        ? {
            latitudeI: BASE_LAT_I + p.int(-3_000_000, 3_000_000),
            longitudeI: BASE_LON_I + p.int(-3_000_000, 3_000_000),
            altitude: p.int(150, 900),
          }
        : null,
      batteryLevel: p.int(5, 101),
      voltage: Math.round((3.3 + p.next()) * 100) / 100,
      lacksOurKey: false,
      isFavorite: false,
      isIgnored: false,
      verified: false,
      rev: 0,
    };
  }
}

function plantMagic(key: Uint8Array, at: number): void {
  key[at] = 0x94;
  key[at + 1] = 0xc3;
}
