// A bounded window of unanswered QoS 1 publishes. MQTT packet ids are 16 bits: with more than
// 65,535 publishes awaiting their PUBACK (discovery and nodes/<id> at 50,000 nodes) MQTT.js
// hands out ids still in use and the broker's answers no longer match ("suback does not
// answer the publish pending on message id …"); and every queued packet with its callback
// sat in memory at once (1 GB). So at most `limit` are written and unanswered, the rest
// wait here as plain text, the latest per topic (these are retained states: only the last
// one matters). MQTT 5's Receive Maximum from the broker lowers the limit.

/** Enough to keep a loopback or LAN link busy, far from the 65,535 packet ids. */
export const WINDOW_LIMIT = 1_000;

export type SendQos1 = (topic: string, text: string, done: () => void) => void;

export class PublishWindow {
  private readonly waiting = new Map<string, string>();
  private inFlight = 0;
  private limit = WINDOW_LIMIT;
  /** Answers from an earlier connection must not open the window of this one. */
  private connection = 0;
  private peak = 0;
  private idle: Array<() => void> = [];

  constructor(private readonly send: SendQos1) {}

  /** A new connection: nothing is in flight on it; `receiveMaximum` is the broker's (MQTT 5). */
  open(receiveMaximum?: number): void {
    this.connection += 1;
    this.inFlight = 0;
    this.limit = Math.max(1, Math.min(WINDOW_LIMIT, receiveMaximum ?? WINDOW_LIMIT));
  }

  /** Sends now if the window has room, else waits (replacing an older payload for the topic). */
  offer(topic: string, text: string): void {
    this.waiting.set(topic, text);
    this.pump();
  }

  /**
   * The connection ended: what never went out is handed back (the client keeps it for the
   * next connection, as it does anything offered while offline).
   */
  close(): Array<[topic: string, text: string]> {
    this.connection += 1;
    const unsent = [...this.waiting];
    this.waiting.clear();
    this.inFlight = 0;
    for (const resolve of this.idle.splice(0)) resolve();
    return unsent;
  }

  /** Resolves once nothing waits or is in flight (at once if so), or the connection ends. */
  drained(): Promise<void> {
    if (this.inFlight === 0 && this.waiting.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Publishes written and unanswered now; the most there were at once. */
  get figures(): { inFlight: number; waiting: number; peak: number } {
    return { inFlight: this.inFlight, waiting: this.waiting.size, peak: this.peak };
  }

  private pump(): void {
    for (const [topic, text] of this.waiting) {
      if (this.inFlight >= this.limit) return;
      this.waiting.delete(topic);
      this.inFlight += 1;
      this.peak = Math.max(this.peak, this.inFlight);
      const connection = this.connection;
      this.send(topic, text, () => {
        if (connection !== this.connection) return;
        this.inFlight -= 1;
        this.pump();
        if (this.inFlight === 0 && this.waiting.size === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }
}
