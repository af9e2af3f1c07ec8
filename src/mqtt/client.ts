// The bridge's MQTT connection over MQTT.js: will and online state, change-only retained
// publishing, subscriptions that survive reconnects, and reconnection with backoff.
//
// Offline behaviour (callers never wait for the broker):
// - publishRetained() while offline keeps only the latest payload per topic and sends those
//   on the next connect, after `online`; then `connect` is emitted so the app republishes
//   its current state (change-only, so what was just flushed is not sent twice).
// - publish() (non-retained: events, responses) while offline is dropped: an event about a
//   moment nobody could hear is not worth replaying out of order later.
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { redactUrl } from "../config/redact.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeClientOptions, ClientEvents, MessageHandler, SubscribeOptions } from "./client-types.js";
import { backoff, jitter } from "../timing/backoff.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import { RetainedLedger } from "./retained.js";
import { Subscriptions } from "./subscriptions.js";
import { bridgeTopics, type BridgeTopics } from "./topics.js";
import { emitEach, errorText, withCeiling } from "./util.js";

export type { BridgeClientOptions, ClientEvents, MessageHandler, SubscribeOptions } from "./client-types.js";

const ONLINE = JSON.stringify({ state: "online" });
const OFFLINE = JSON.stringify({ state: "offline" });
const STOP_PUBLISH_CEILING_MS = 2_000;

export class BridgeMqttClient extends EventEmitter<ClientEvents> {
  readonly topics: BridgeTopics;
  private readonly log: LogPort;
  private client: MqttClient | null = null;
  private stopping = false;
  private readonly clock: Clock;
  private readonly reconnects = new Loop();
  /** Reconnect attempts since the last successful connect (sets the backoff). */
  private attempt = 0;
  private lastError = "";
  private wasConnected = false;
  private readonly subscriptions = new Subscriptions();
  private readonly ledger = new RetainedLedger();
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  constructor(private readonly opts: BridgeClientOptions) {
    super();
    this.topics = bridgeTopics(opts.baseTopic);
    this.log = opts.log ?? silentLog;
    this.clock = opts.clock ?? systemClock;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Starts connecting and returns at once; the connection (re)tries in the background. */
  start(): void {
    if (this.client !== null) throw new Error("MQTT client already started");
    const { opts } = this;
    const options: IClientOptions = {
      clientId: opts.clientId ?? `${opts.baseTopic}-${randomBytes(3).toString("hex")}`,
      protocolVersion: 4, // 3.1.1: what aedes speaks; mosquitto and others accept it too
      clean: true,
      keepalive: opts.keepaliveSeconds ?? 30,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
      reconnectPeriod: 0, // we reconnect ourselves, with backoff (MQTT.js retries at a fixed period)
      resubscribe: false, // we resubscribe ourselves on every connect
      will: { topic: this.topics.bridgeState, payload: Buffer.from(OFFLINE), qos: 1, retain: true },
    };
    if (opts.username !== undefined) options.username = opts.username;
    if (opts.password !== undefined) options.password = opts.password;
    if (opts.tls) {
      const { ca, cert, key, rejectUnauthorized } = opts.tls;
      if (ca) options.ca = readFileSync(ca);
      if (cert) options.cert = readFileSync(cert);
      if (key) options.key = readFileSync(key);
      options.rejectUnauthorized = rejectUnauthorized ?? true;
    }
    const client = mqtt.connect(opts.url, options);
    this.client = client;
    client.on("connect", () => {
      // Small publishes must not wait for the broker's delayed ACK (Nagle: ~40 ms a message).
      const stream: unknown = client.stream;
      if (stream instanceof Socket) stream.setNoDelay(true);
      // MQTT.js adds one "drain" listener per packet written under backpressure (thousands on
      // a first sync of a large NodeDB); they go away on drain. Not a leak: don't warn.
      if (stream instanceof Socket) stream.setMaxListeners(0);
      this.onConnected();
    });
    client.on("close", () => this.onClosed());
    client.on("error", (error) => this.onError(error));
    client.on("message", (topic, payload, packet) => this.dispatch(topic, payload, packet.retain));
    this.reconnects.start((signal) => this.keepConnecting(client, signal));
  }

  /** Resolves when connected (at once if already); rejects if the client is stopped first. */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    if (this.stopping) return Promise.reject(new Error("MQTT client stopped"));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Publishes a retained state payload unless the same payload was already sent on this
   * topic during the current connection (or `force` is set). An empty string clears the
   * retained message.
   */
  publishRetained(topic: string, payload: string | object, options: { force?: boolean } = {}): void {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    const decision = this.ledger.offer(topic, text, this.connected);
    // `force` re-sends an unchanged payload, e.g. discovery when Home Assistant comes online.
    if (decision === "send" || (decision === "skip" && options.force === true)) this.sendRetained(topic, text);
  }

  /** Clears a retained topic (empty retained payload), e.g. a forgotten node. */
  clearRetained(topic: string): void {
    this.publishRetained(topic, "");
  }

  /** A non-retained message (events, responses). Dropped while offline; returns whether sent. */
  publish(topic: string, payload: string | object): boolean {
    const client = this.client;
    if (client === null || !client.connected) {
      this.log.debug({ topic }, "MQTT offline: message dropped");
      return false;
    }
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    this.ledger.noteOwn(topic, text);
    client.publish(topic, text, { qos: 0, retain: false }, (error) => {
      if (error) this.log.warn({ topic, err: error.message }, "MQTT publish failed");
    });
    return true;
  }

  /** Routes messages matching `filter` to `handler`, now and after every reconnect. */
  subscribe(filter: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    const remove = this.subscriptions.add(filter, handler, opts);
    if (this.connected) this.sendSubscribe([filter]);
    return () => {
      if (remove() && this.connected) this.client?.unsubscribe(filter);
    };
  }

  /**
   * Drops the connection without DISCONNECT, as a crash or a network failure would, so the
   * broker publishes the will. The client then reconnects as usual. For tests.
   */
  destroySocket(): void {
    this.client?.stream.destroy();
  }

  /** Publishes `offline` (a clean DISCONNECT discards the will), then disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.reconnects.stop();
    for (const w of this.waiters.splice(0)) w.reject(new Error("MQTT client stopped"));
    const client = this.client;
    if (client === null) return;
    if (client.connected) {
      await withCeiling(
        new Promise<void>((resolve) =>
          client.publish(this.topics.bridgeState, OFFLINE, { qos: 1, retain: true }, () => resolve()),
        ),
        STOP_PUBLISH_CEILING_MS,
      );
      const ended = await withCeiling(
        new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
        STOP_PUBLISH_CEILING_MS,
      );
      // The broker stopped answering mid-goodbye: drop the socket so no handle stays open.
      if (!ended) client.stream.destroy();
    } else {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
  }

  private onConnected(): void {
    this.log.info({ url: redactUrl(this.opts.url) }, "MQTT connected");
    this.wasConnected = true;
    this.attempt = 0;
    this.lastError = "";
    const backlog = this.ledger.connected();
    // Subscribe before announcing `online`: brokers handle one client's packets in order, so
    // whoever sees `online` can send a request and know we are listening.
    const filters = this.subscriptions.filters();
    if (filters.length > 0) this.sendSubscribe(filters);
    this.publishRetained(this.topics.bridgeState, ONLINE);
    for (const [topic, text] of backlog) this.sendRetained(topic, text);
    for (const w of this.waiters.splice(0)) w.resolve();
    this.emitSafely("connect");
  }

  private emitSafely(event: keyof ClientEvents): void {
    emitEach(this, event, (error) => this.log.error({ event, err: errorText(error) }, "MQTT listener failed"));
  }

  private onClosed(): void {
    if (this.wasConnected) {
      this.wasConnected = false;
      this.emitSafely("disconnect");
    }
  }

  /**
   * The reconnect loop (MQTT.js's own retries come at a fixed period): after every close, a
   * failed attempt or a lost connection, wait the backoff and try again, until stop().
   */
  private async keepConnecting(client: MqttClient, signal: AbortSignal): Promise<void> {
    const { minMs = 1_000, maxMs = 15_000 } = this.opts.reconnect ?? {};
    while (!signal.aborted) {
      await nextClose(client, signal);
      if (signal.aborted) return;
      // A broker back from a restart should see us within seconds (the cap), not a minute
      // later; the jitter keeps several bridges on one broker from returning in lockstep.
      const wait = jitter(backoff(this.attempt++, minMs, maxMs), 0.2, Math.random());
      this.log.debug({ retryInMs: wait }, "MQTT disconnected; reconnecting");
      await this.clock.sleep(wait, signal);
      if (!signal.aborted) client.reconnect();
    }
  }

  private onError(error: Error): void {
    // Repeated failures (broker down for an hour) are logged once, not on every retry.
    if (error.message === this.lastError) return this.log.debug({ err: error.message }, "MQTT error");
    this.lastError = error.message;
    this.log.warn({ err: error.message }, "MQTT error");
  }

  private sendRetained(topic: string, text: string): void {
    this.client?.publish(topic, text, { qos: 1, retain: true }, (error) => {
      if (error) this.log.debug({ topic, err: error.message }, "MQTT retained publish not confirmed");
    });
  }

  private sendSubscribe(filters: string[]): void {
    this.client?.subscribe(filters, { qos: 1 }, (error) => {
      if (error) this.log.warn({ filters, err: error.message }, "MQTT subscribe failed");
    });
  }

  private dispatch(topic: string, payload: Buffer, retain: boolean): void {
    this.subscriptions.dispatch(topic, payload, retain, () => this.ledger.isOwn(topic, payload.toString()), this.log);
  }
}

/** Resolves on the client's next "close" event, or when `signal` aborts. */
function nextClose(client: MqttClient, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      client.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    client.on("close", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
