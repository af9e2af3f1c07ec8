// What the bridge's client hears, apart from the connection's lifecycle (client.ts): its
// subscriptions must survive reconnects (the broker is told all of them again on every
// connect), and two kinds of message are no request and never reach a handler: the request
// subscription's own probe (request-probe.ts) and a request from the broker's retained store
// (retained-requests.ts). No MQTT.js here (only client.ts imports it): client.ts hands over
// its connection.
import type { LogPort } from "../log-port.js";
import type { Clock } from "../timing/clock.js";
import type { MessageHandler, SubscribeOptions } from "./client-types.js";
import type { ClientTroubles } from "./client-troubles.js";
import type { Outbox } from "./outbox.js";
import { RequestProbe } from "./request-probe.js";
import { RetainedRequestGuard } from "./retained-requests.js";
import { Subscriptions } from "./subscriptions.js";
import type { BridgeTopics } from "./topics.js";

/** The parts of an MQTT.js client that subscribing (and the probe's publish) use. */
export interface Subscribing {
  readonly connected: boolean;
  subscribe(filters: string[], opts: { qos: 1 }, callback: (error: Error | null, granted?: unknown, packet?: { granted: Array<number | object> }) => void): unknown;
  unsubscribe(filter: string): unknown;
  publish(topic: string, message: string, opts: { qos: 1; retain: false }, callback: (error?: Error) => void): unknown;
}

export interface InboxParts {
  /** The client's connection: null before start(). */
  connection: () => Subscribing | null;
  /** 5 until the broker turns it down, then 4 (client.ts). */
  protocol: () => 4 | 5;
  topics: BridgeTopics;
  /** Ours in `bridge/state`; it names our probes. */
  instance: string;
  troubles: ClientTroubles;
  /** Answers refused requests, clears them, and knows our own messages. */
  outbox: Outbox;
  clock: Clock;
  log: LogPort;
  probeCeilingMs?: number;
}

export class Inbox {
  private readonly subscriptions = new Subscriptions();
  private readonly requests: RetainedRequestGuard;
  private readonly probe: RequestProbe;

  constructor(private readonly parts: InboxParts) {
    const { topics, troubles, outbox } = parts;
    this.requests = new RetainedRequestGuard(topics, {
      refused: (topic) => troubles.retainedRequest(topic),
      respond: (topic, response) => outbox.message(topic, response),
      clear: (topic) => outbox.send(topic, ""),
    });
    this.probe = new RequestProbe(topics.requestProbe, parts.instance, {
      publish: (topic, text, done) => parts.connection()?.publish(topic, text, { qos: 1, retain: false }, done),
      deaf: (filter, reason) => troubles.undelivered(filter, reason),
      heard: (filter) => troubles.forgetSubscription(filter),
    }, parts.clock, parts.log, parts.probeCeilingMs);
  }

  private get connected(): boolean {
    return this.parts.connection()?.connected === true;
  }

  /** Routes messages matching `filter` to `handler`, now and after every reconnect. */
  subscribe(filter: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    const remove = this.subscriptions.add(filter, handler, opts);
    if (this.connected) this.sendSubscribe([filter]);
    return () => {
      if (!remove()) return;
      this.parts.troubles.forgetSubscription(filter);
      if (this.connected) this.parts.connection()?.unsubscribe(filter);
    };
  }

  /** A new connection: the broker is told every filter again. */
  resubscribe(): void {
    this.sendSubscribe(this.subscriptions.filters());
  }

  dispatch(topic: string, payload: Buffer, retain: boolean): void {
    if (this.probe.intercept(topic, payload) || this.requests.intercept(topic, payload, retain)) return;
    this.subscriptions.dispatch(topic, payload, retain, () => this.parts.outbox.isOwn(topic, payload), this.parts.log);
  }

  /** The connection ended (or we stop): a probe under way says nothing. */
  cancelProbe(): void {
    this.probe.cancel();
  }

  private sendSubscribe(filters: string[]): void {
    if (filters.length === 0) return;
    this.parts.connection()?.subscribe(filters, { qos: 1 }, (error, _granted, packet) => {
      this.parts.troubles.subscribed(filters, error, packet?.granted);
      // Granted is not delivered: the request subscription tests itself (request-probe.ts).
      if (this.connected && error === null) this.probe.granted(filters, packet?.granted ?? [], this.parts.protocol());
    });
  }
}
