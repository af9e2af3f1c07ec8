// What the bridge's client sends, apart from the connection's lifecycle (client.ts), because
// this is where its offline behaviour lives (callers never wait for the broker):
// - a retained state offered while offline: only the latest payload per topic is kept and
//   sent on the next connect, after `online`; then client.ts emits `connect` so the app
//   republishes its current state (change-only, so what was just flushed is not sent twice).
// - a non-retained message (events, responses) while offline is dropped: an event about a
//   moment nobody could hear is not worth replaying out of order later.
// No MQTT.js here (only client.ts imports it): client.ts hands over its connection.
import type { LogPort } from "../log-port.js";
import type { ClientTroubles } from "./client-troubles.js";
import { PublishWindow } from "./publish-window.js";
import { RetainedLedger } from "./retained.js";

/** The parts of an MQTT.js client that publishing uses. */
export interface Publishing {
  readonly connected: boolean;
  publish(topic: string, message: string, opts: { qos: 0 | 1; retain: boolean }, callback: (error?: Error) => void): unknown;
}

export class Outbox {
  private readonly ledger = new RetainedLedger();
  private readonly window = new PublishWindow((topic, text, done) =>
    this.connection()?.publish(topic, text, { qos: 1, retain: true }, (error) => {
      this.troubles.published(topic, error);
      done();
    }),
  );

  constructor(
    /** The client's connection: null before start(). */
    private readonly connection: () => Publishing | null,
    /** 5 until the broker turns it down, then 4 (client.ts). */
    private readonly protocol: () => 4 | 5,
    private readonly troubles: ClientTroubles,
    private readonly log: LogPort,
  ) {}

  /** A retained state, change-only within a connection unless `force`; see the header for offline. */
  retained(topic: string, payload: string | object, force: boolean): void {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    const decision = this.ledger.offer(topic, text, this.connection()?.connected === true);
    // `force` re-sends an unchanged payload, e.g. discovery when Home Assistant comes online.
    if (decision === "send" || (decision === "skip" && force)) this.send(topic, text);
  }

  /** Did this connection already carry exactly `payload` on `topic` (retained, from us)? */
  sentNow(topic: string, payload: string | object): boolean {
    return this.ledger.sentNow(topic, typeof payload === "string" ? payload : JSON.stringify(payload));
  }

  /** A non-retained message (events, responses). Dropped while offline; returns whether sent. */
  message(topic: string, payload: string | object): boolean {
    const client = this.connection();
    if (client === null || !client.connected) {
      this.log.debug({ topic }, "MQTT offline: message dropped");
      return false;
    }
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    if (this.troubles.tooLarge(topic, text, 0, this.protocol() === 5)) return false;
    this.ledger.noteOwn(topic, text);
    client.publish(topic, text, { qos: 0, retain: false }, (error) => {
      if (error) this.log.warn({ topic, err: error.message }, "MQTT publish failed");
    });
    return true;
  }

  /** A retained payload that skips the change-only check (our state reasserted, a cleared request, the backlog). */
  send(topic: string, text: string): void {
    const client = this.connection();
    if (client === null || this.troubles.tooLarge(topic, text, 1, this.protocol() === 5)) return;
    // Through the window: never more unanswered than packet ids (publish-window.ts).
    this.window.offer(topic, text);
  }

  /**
   * A new connection (`receiveMaximum` from the broker's CONNACK, MQTT 5): returns what
   * waited while offline, for the client to send once `online` is out.
   */
  opened(receiveMaximum: number | undefined): Array<[topic: string, text: string]> {
    this.window.open(receiveMaximum);
    return this.ledger.connected();
  }

  /** The connection ended: what the window never wrote goes out on the next connect. */
  closed(): void {
    for (const [topic, text] of this.window.close()) this.ledger.unsent(topic, text);
  }

  /** Resolves once every retained publish is out and answered, or the connection ends. */
  drained(): Promise<void> {
    return this.window.drained();
  }

  /** Did we last publish exactly this on the topic (a subscriber hearing its own message)? */
  isOwn(topic: string, payload: Buffer): boolean {
    return this.ledger.isOwn(topic, payload.toString());
  }
}
