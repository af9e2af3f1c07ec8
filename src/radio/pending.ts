// Our own packets waiting for the radio's routing result (an ACK, or an error for that
// packet id). One place for the timeout, the routingError event and the failure on a lost
// connection, shared by DMs and admin messages.
import { randomInt } from "node:crypto";
import type { RoutingErrorEvent, SendResult } from "./link.js";

interface Entry {
  to: number;
  /** A PKI DM: a NO_CHANNEL for it means a key is stale, not a missing channel. */
  pki: boolean;
  /** The API client that sent it; null: the bridge. */
  client: string | null;
  resolve: (result: SendResult) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class PendingPackets {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly onRoutingError: (event: RoutingErrorEvent) => void) {}

  /** An id for a packet of ours, not in use by any packet awaiting its result. */
  freshId(): number {
    let id = randomInt(1, 0x7fffffff);
    while (this.entries.has(id)) id = randomInt(1, 0x7fffffff);
    return id;
  }

  /**
   * A packet just written (ours, or an API client's with an id of its own): its destination
   * is remembered, so that its routing errors carry `to`, and its result settles the promise
   * or it is rejected after `timeoutMs`.
   */
  track(id: number, to: number, timeoutMs: number, meta: { pki: boolean; client: string | null }): Promise<SendResult> {
    // A second packet with the same id takes the entry over; the first never hears back.
    this.finish(id, null, new Error(`packet id ${id} was sent again`));
    return new Promise<SendResult>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.entries.delete(id);
        reject(new Error(`no routing result from the radio within ${timeoutMs} ms`));
      }, timeoutMs);
      this.entries.set(id, { to, ...meta, resolve, reject, timer });
    });
  }

  /** A routing packet answering `requestId`: code 0 is an ACK. */
  settle(requestId: number, routing: { code: number; error: string }): void {
    if (routing.code !== 0) {
      const entry = this.entries.get(requestId);
      this.onRoutingError({ requestId, to: entry?.to ?? null, pki: entry?.pki ?? false, client: entry?.client ?? null, error: routing.error, code: routing.code });
    }
    this.finish(requestId, routing, null);
  }

  failAll(reason: string): void {
    for (const id of [...this.entries.keys()]) this.finish(id, null, new Error(`connection lost: ${reason}`));
  }

  private finish(id: number, routing: { code: number; error: string } | null, err: Error | null): void {
    const entry = this.entries.get(id);
    if (!entry) return;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    if (err) entry.reject(err);
    else if (routing && routing.code === 0) entry.resolve({ ok: true, id });
    else if (routing) entry.resolve({ ok: false, id, error: routing.error, code: routing.code });
  }
}
