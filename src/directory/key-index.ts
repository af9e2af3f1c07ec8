// keyHash → the node numbers holding that key, so duplicates are found without a full scan.
// Almost every key has one holder: a bare number then, a Set only for duplicates (a Set per
// key was about 170 bytes per node).
import type { KeyRecord } from "./record.js";

export class KeyIndex {
  private readonly byHash = new Map<string, number | Set<number>>();

  /** The node numbers holding a key, in the order they got it. */
  holders(keyHash: string): number[] {
    const held = this.byHash.get(keyHash);
    if (held === undefined) return [];
    return typeof held === "number" ? [held] : [...held];
  }

  /** Adds the record's key; every holder of it joins `affected` (they may enter `duplicate`). */
  add(record: KeyRecord, affected: Set<number>): void {
    const hash = record.keyHash;
    if (hash === null) return;
    const held = this.byHash.get(hash);
    if (held === undefined) this.byHash.set(hash, record.num);
    else if (typeof held !== "number") held.add(record.num);
    else if (held !== record.num) this.byHash.set(hash, new Set([held, record.num]));
    for (const peer of this.holders(hash)) affected.add(peer);
  }

  /** Removes the record's key; the remaining holders join `affected` (they may leave `duplicate`). */
  remove(record: KeyRecord, affected: Set<number>): void {
    const hash = record.keyHash;
    if (hash === null) return;
    const held = this.byHash.get(hash);
    if (typeof held === "number") {
      if (held === record.num) this.byHash.delete(hash);
    } else if (held !== undefined) {
      held.delete(record.num);
      if (held.size === 0) this.byHash.delete(hash);
      else if (held.size === 1) this.byHash.set(hash, held.values().next().value as number);
    }
    for (const peer of this.holders(hash)) affected.add(peer);
  }
}
