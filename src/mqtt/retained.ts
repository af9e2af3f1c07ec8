// Pure bookkeeping behind BridgeMqttClient.publishRetained: change-only publishing within a
// connection, the latest-per-topic buffer while offline, and the last payload we published
// per topic (so a subscriber can recognise its own messages).

import { createHash } from "node:crypto";

export type RetainedDecision = "send" | "skip" | "queue";

/**
 * What we remember of a payload: its digest, not its text. With one retained topic per node,
 * keeping every JSON text doubled the bridge's memory per node.
 */
function digest(text: string): string {
  return createHash("sha1").update(text).digest("base64");
}

export class RetainedLedger {
  /** Digest of the last payload we published per topic, retained or not. */
  private readonly last = new Map<string, string>();
  /** Retained topics sent on the current connection: change-only applies only to these. */
  private readonly sent = new Set<string>();
  /** Retained payloads offered while offline, the latest per topic. */
  private readonly pending = new Map<string, string>();

  /** Decides what to do with a retained payload, and records it. */
  offer(topic: string, text: string, connected: boolean): RetainedDecision {
    const hash = digest(text);
    if (this.sent.has(topic) && this.last.get(topic) === hash) return "skip";
    this.last.set(topic, hash);
    if (!connected) {
      this.pending.set(topic, text);
      return "queue";
    }
    this.sent.add(topic);
    return "send";
  }

  /** Records a non-retained publication (for ownership checks only). */
  noteOwn(topic: string, text: string): void {
    this.last.set(topic, digest(text));
  }

  /** Did the current connection carry exactly this retained payload, as the latest on the topic? */
  sentNow(topic: string, text: string): boolean {
    return this.sent.has(topic) && this.last.get(topic) === digest(text);
  }

  /** Did we last publish exactly this on the topic? */
  isOwn(topic: string, text: string): boolean {
    return this.last.get(topic) === digest(text);
  }

  /** Offered but never written (the connection ended first): it goes out on the next connect. */
  unsent(topic: string, text: string): void {
    this.sent.delete(topic);
    // Something offered since, while offline, is newer.
    if (!this.pending.has(topic)) this.pending.set(topic, text);
  }

  /**
   * A new connection: nothing counts as sent any more (the broker may have lost it all, e.g.
   * a restart without persistence), and the offline buffer is handed over to be sent now.
   */
  connected(): Array<[topic: string, text: string]> {
    this.sent.clear();
    const flush = [...this.pending];
    this.pending.clear();
    for (const [topic] of flush) this.sent.add(topic);
    return flush;
  }
}
