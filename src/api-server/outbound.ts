// What one client is sent, in order, at the pace it reads. A handshake (tens of megabytes at
// 40,000 nodes, the view's bytes shared by every client) is written a slice at a time as the
// socket drains; frames sent meanwhile wait behind it. "Stopped reading" measures what the
// client fails to take: the socket's unsent bytes and the frames queued for it, never the
// unwritten rest of the one handshake it is being served (that costs it nothing, and counting
// it dropped every client of a large NodeDB that read normally).
import type { Socket } from "node:net";

/** Bytes handed to the socket at once while it is keeping up. */
const SLICE = 64 * 1024;

interface Entry {
  bytes: Buffer;
  /** The handshake being served: its unwritten rest is not counted against the limit. */
  free: boolean;
}

export class ClientOutput {
  private readonly queue: Entry[] = [];
  /** Index of the queue's first entry (shifting a long array per frame would cost O(n)). */
  private head = 0;
  /** How much of the first entry is written. */
  private offset = 0;
  /** Queued bytes that count against the limit. */
  private counted = 0;
  private freeQueued = false;
  private waiting = false;

  constructor(
    private readonly socket: Socket,
    private readonly maxQueuedBytes: number,
    /** Called once the client has more than maxQueuedBytes unread: the session closes it. */
    private readonly stuck: (reason: string) => void,
  ) {}

  /**
   * A handshake's parts. Only one handshake at a time is free: another asked before the
   * first was read counts in full, or a client sending want_config in a loop without reading
   * would be served forever.
   */
  handshake(parts: readonly Buffer[]): void {
    parts.forEach((bytes, i) => this.enqueue(bytes, i === 0 && !this.freeQueued));
    this.flush();
  }

  write(bytes: Buffer): void {
    this.enqueue(bytes, false);
    this.flush();
  }

  /** Bytes the client has not taken that count against the limit. */
  get unread(): number {
    return this.socket.writableLength + this.counted;
  }

  private enqueue(bytes: Buffer, free: boolean): void {
    if (bytes.length === 0) return;
    this.queue.push({ bytes, free });
    if (free) this.freeQueued = true;
    else this.counted += bytes.length;
  }

  private flush(): void {
    this.pump();
    if (this.unread > this.maxQueuedBytes) this.stuck(`stopped reading: ${this.unread} bytes waiting`);
  }

  private pump(): void {
    const { socket } = this;
    while (this.head < this.queue.length && !socket.destroyed && !socket.writableNeedDrain) {
      const entry = this.queue[this.head] as Entry;
      const end = Math.min(entry.bytes.length, this.offset + SLICE);
      // A frame is written whole; only a large entry (a handshake) is sliced.
      const slice = this.offset === 0 && end === entry.bytes.length ? entry.bytes : entry.bytes.subarray(this.offset, end);
      if (!entry.free) this.counted -= slice.length;
      this.offset = end;
      if (end === entry.bytes.length) this.next(entry);
      socket.write(slice);
    }
    if (this.head < this.queue.length && !socket.destroyed && !this.waiting) {
      this.waiting = true;
      socket.once("drain", () => {
        this.waiting = false;
        this.pump();
      });
    }
  }

  private next(entry: Entry): void {
    if (entry.free) this.freeQueued = false;
    this.offset = 0;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
  }
}
