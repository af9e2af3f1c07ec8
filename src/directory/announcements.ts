// Durable before announced: the directory's announcements (nodeChanged, nodeRemoved, key
// events) wait here for the journal to report their commit durable, and leave in commit
// order. Meanwhile the read side must not show what is not durable either, so for each node
// with an announcement pending this keeps the state last announced; only the nodes of the
// batches in flight are held, a few dozen at most, never a copy of the directory.
import type { KeyEvent } from "./events.js";
import type { KeyRecord, NodeStatus, NodeView } from "./record.js";

/** What one commit announces, captured at the commit. */
export interface Announcement {
  removed: KeyRecord[];
  views: [NodeView, KeyRecord][];
  events: KeyEvent[];
}

/** A node's state: its record (null when absent) and status. */
export interface NodeState {
  record: KeyRecord | null;
  status: NodeStatus | null;
}

interface Held extends NodeState {
  /** Announcements still pending for this node. */
  waiting: number;
}

export class AnnouncementQueue {
  private tail: Promise<void> = Promise.resolve();
  private latestDone: Promise<void> = Promise.resolve();
  /** The announcement of the last submitted change has not gone out yet. */
  latestPending = false;
  private readonly held = new Map<number, Held>();

  constructor(private readonly emitAll: (announcement: Announcement) => void) {}

  /** Settles when the last submitted change has been announced. */
  get latest(): Promise<void> {
    return this.latestDone;
  }

  /** A change that waits for nothing (no journal) or announces nothing. */
  now(announcement: Announcement | null): void {
    this.latestDone = Promise.resolve();
    this.latestPending = false;
    if (announcement) this.emitAll(announcement);
  }

  /**
   * Announces once `durable` resolves and every earlier announcement went out. `before` is
   * each node's state as announced so far (used if nothing of it is held yet), `after` its
   * state as of this commit.
   */
  after(durable: Promise<void>, announcement: Announcement, before: (num: number) => NodeState, after: (num: number) => NodeState): void {
    const states = new Map<number, NodeState>();
    for (const num of [...announcement.removed.map((r) => r.num), ...announcement.views.map(([view]) => view.num)]) {
      if (states.has(num)) continue;
      states.set(num, after(num));
      const held = this.held.get(num);
      if (held) held.waiting++;
      else this.held.set(num, { ...before(num), waiting: 1 });
    }
    const previous = this.tail;
    this.latestPending = true;
    const done: Promise<void> = durable
      .then(() => previous)
      .then(() => {
        for (const [num, state] of states) {
          const held = this.held.get(num) as Held;
          if (--held.waiting === 0) this.held.delete(num);
          else Object.assign(held, state);
        }
        if (this.latestDone === done) this.latestPending = false;
        this.emitAll(announcement);
      });
    this.latestDone = this.tail = done;
  }

  /** The announced state of a node whose newer state is not durable yet; undefined if none is pending. */
  heldState(num: number): NodeState | undefined {
    return this.held.get(num);
  }

  heldStates(): IterableIterator<NodeState> {
    return this.held.values();
  }
}
