// Which waiting packet goes to the radio next. Pure: no timers, no writes; pacer.ts acts on
// what this decides. One FIFO per owner (the bridge, each API client). The bridge's own packets
// go first, so a client's flood never delays a push or the bridge's DM; clients take turns
// (round-robin), so one client's burst cannot starve another. Within one owner, packets keep
// their order per port; a packet waiting for its port's window does not hold back a packet of
// another port behind it (the firmware's limits are per port).

export const BRIDGE_OWNER = "bridge";

export interface Queued {
  owner: string;
  /** Data.portnum; null when the packet is encrypted and its port unknown. */
  port: number | null;
}

export interface PickContext {
  now: number;
  /** Epoch ms at which a packet of `port` may be written (PortWindows.freeAt). */
  freeAt(port: number | null, now: number): number;
  /** A packet may be written now: the radio has answered enough of the earlier ones. */
  room: { bridge: boolean; clients: boolean };
}

/** The entry to write now, or when to look again (null: only an answer or a new packet changes anything). */
export type Pick<T> = { entry: T } | { until: number | null };

export class PacerQueue<T extends Queued> {
  /** Map order is the clients' turn order: an owner just served moves to the end. */
  private readonly owners = new Map<string, T[]>();
  private count = 0;

  get length(): number {
    return this.count;
  }

  lengthOf(owner: string): number {
    return this.owners.get(owner)?.length ?? 0;
  }

  push(entry: T): void {
    const list = this.owners.get(entry.owner);
    if (list) list.push(entry);
    else this.owners.set(entry.owner, [entry]);
    this.count += 1;
  }

  pick(ctx: PickContext): Pick<T> {
    let until = Infinity;
    const consider = (owner: string, list: T[]): T | null => {
      for (let i = 0; i < list.length; i++) {
        const at = ctx.freeAt((list[i] as T).port, ctx.now);
        if (at <= ctx.now) return this.take(owner, list, i);
        until = Math.min(until, at);
      }
      return null;
    };
    const bridge = this.owners.get(BRIDGE_OWNER);
    if (bridge && ctx.room.bridge) {
      const entry = consider(BRIDGE_OWNER, bridge);
      if (entry) return { entry };
    }
    if (ctx.room.clients) {
      for (const [owner, list] of this.owners) {
        if (owner === BRIDGE_OWNER) continue;
        const entry = consider(owner, list);
        if (entry) return { entry };
      }
    }
    return { until: Number.isFinite(until) ? until : null };
  }

  /** Takes every waiting packet of `owner` out (its client left). */
  drop(owner: string): T[] {
    const list = this.owners.get(owner) ?? [];
    this.owners.delete(owner);
    this.count -= list.length;
    return list;
  }

  /** Takes every waiting packet out (the link was lost). */
  drain(): T[] {
    const all = [...this.owners.values()].flat();
    this.owners.clear();
    this.count = 0;
    return all;
  }

  private take(owner: string, list: T[], index: number): T {
    const [entry] = list.splice(index, 1);
    this.count -= 1;
    // The owner served goes to the back of the turn order.
    this.owners.delete(owner);
    if (list.length > 0) this.owners.set(owner, list);
    return entry as T;
  }
}
