// Pure bookkeeping behind BridgeMqttClient.publishRetained: change-only publishing within a
// connection, the latest-per-topic buffer while offline, and the last payload we published
// per topic (so a subscriber can recognise its own messages).

export type RetainedDecision = "send" | "skip" | "queue";

export class RetainedLedger {
  /** Last payload we published per topic, retained or not. */
  private readonly last = new Map<string, string>();
  /** Retained topics sent on the current connection: change-only applies only to these. */
  private readonly sent = new Set<string>();
  /** Retained payloads offered while offline, the latest per topic. */
  private readonly pending = new Map<string, string>();

  /** Decides what to do with a retained payload, and records it. */
  offer(topic: string, text: string, connected: boolean): RetainedDecision {
    if (this.sent.has(topic) && this.last.get(topic) === text) return "skip";
    this.last.set(topic, text);
    if (!connected) {
      this.pending.set(topic, text);
      return "queue";
    }
    this.sent.add(topic);
    return "send";
  }

  /** Records a non-retained publication (for ownership checks only). */
  noteOwn(topic: string, text: string): void {
    this.last.set(topic, text);
  }

  /** Did we last publish exactly this on the topic? */
  isOwn(topic: string, text: string): boolean {
    return this.last.get(topic) === text;
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
