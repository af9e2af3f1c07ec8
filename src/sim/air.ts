// The devices of the simulated mesh as they are on the air, where that differs from the
// radio's NodeDB: devices the NodeDB does not hold (evicted, removed, or never heard), and
// the keys of re-flashed devices whose NodeDB entry kept the first key (firmware
// src/mesh/NodeDB.cpp NodeDB::updateUser: "Public Key mismatch, dropping NodeInfo"), and
// numbers no device uses any more (a 2.8 re-flash moved it to the number of its new key).
import type { SimNode } from "./nodedb.js";
import { sameBytes } from "./node.js";

export class SimAir {
  /** Devices the NodeDB has no entry for. */
  private readonly away = new Map<number, SimNode>();
  /** Keys devices broadcast that differ from (or are missing in) their NodeDB entry. */
  private readonly keys = new Map<number, Uint8Array>();
  /** Numbers whose device is gone from the air: their NodeDB entries hear nothing more. */
  private readonly gone = new Set<number>();

  /** The device of a NodeDB entry, or of no entry: its current key on top of the entry. */
  device(entry: SimNode | undefined, num: number): SimNode | undefined {
    if (this.gone.has(num >>> 0)) return undefined;
    if (!entry) return this.away.get(num >>> 0);
    const key = this.keys.get(entry.num);
    return key ? { ...entry, publicKey: key } : entry;
  }

  /** Devices that exist on the air without a NodeDB entry. */
  get awayCount(): number {
    return this.away.size;
  }

  has(num: number): boolean {
    return this.away.has(num >>> 0);
  }

  /** The entry left the NodeDB; the device goes on broadcasting with its own key. */
  leave(entry: SimNode): void {
    const device = this.device(entry, entry.num);
    this.keys.delete(entry.num);
    if (!device) return;
    this.away.set(entry.num, { ...device, isFavorite: false, isIgnored: false, verified: false });
  }

  /** The device gets a NodeDB entry; returns the device (the entry starts from it). */
  arrive(num: number): SimNode | undefined {
    const device = this.away.get(num >>> 0);
    this.away.delete(num >>> 0);
    return device;
  }

  /** The device no longer uses `num`: nothing is heard from it under that number again. */
  silence(num: number): void {
    this.away.delete(num >>> 0);
    this.keys.delete(num >>> 0);
    this.gone.add(num >>> 0);
  }

  silent(num: number): boolean {
    return this.gone.has(num >>> 0);
  }

  /** A device the radio never heard of. */
  addAway(device: SimNode): void {
    this.away.set(device.num, device);
  }

  /** The device now broadcasts `key`; `stored` is what its NodeDB entry holds (if any). */
  setKey(num: number, key: Uint8Array | null, stored: Uint8Array | null | undefined): void {
    const away = this.away.get(num >>> 0);
    if (away) {
      away.publicKey = key;
      return;
    }
    if (key === null || (stored && sameBytes(stored, key))) this.keys.delete(num >>> 0);
    else this.keys.set(num >>> 0, key);
  }
}
