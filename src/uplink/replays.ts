// The same packet seen again: the mesh floods a NodeInfo, several gateways uplink the same
// hop, and anyone can re-publish a captured envelope. (from, packet id) pairs seen recently
// are dropped before decryption. Bounded memory: the oldest pair is forgotten first.

/** Pairs remembered: a busy regional broker's few minutes of NodeInfos and more. */
export const REPLAY_MEMORY = 20_000;

export class RecentPackets {
  // Insertion order is age order: a Map deletes its oldest entry in O(1).
  private readonly seen = new Map<string, true>();

  constructor(private readonly capacity = REPLAY_MEMORY) {}

  /** True the first time (from, id) is offered within the memory; false for a repeat. */
  admit(from: number, packetId: number): boolean {
    const key = `${from >>> 0}:${packetId >>> 0}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, true);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.keys().next();
      if (oldest.done !== true) this.seen.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
