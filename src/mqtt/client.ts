// The bridge's MQTT connection over MQTT.js, the one file that imports it: will and online
// state, the connection's lifecycle and reconnection with backoff. MQTT 5 where the broker
// speaks it (denials come with reasons), 3.1.1 otherwise (aedes). What it sends, and its
// offline behaviour, is outbox.ts; what it hears (subscriptions that survive reconnects)
// is inbox.ts.
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import mqtt, { type IConnackPacket, type IDisconnectPacket, type MqttClient } from "mqtt";
import { redactUrl } from "../config/redact.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeClientOptions, ClientEvents, DialedMqtt, MessageHandler, SubscribeOptions } from "./client-types.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import type { BridgeConflictEvent } from "../sync/events.js";
import { ClientTroubles } from "./client-troubles.js";
import type { MqttHealthSnapshot } from "./health.js";
import { connectOptions, type ConnectOptions } from "./connect-options.js";
import { Inbox } from "./inbox.js";
import { Outbox } from "./outbox.js";
import { Presence } from "./presence.js";
import { keepConnecting } from "./reconnect-loop.js";
import { ReconnectPolicy, RECONNECT_DEFAULTS } from "./reconnect-policy.js";
import { bridgeTopics, type BridgeTopics } from "./topics.js";
import { emitEach, endGracefully, errorText, withCeiling } from "./util.js";

export type { BridgeClientOptions, ClientEvents, MessageHandler, SubscribeOptions } from "./client-types.js";

const STOP_PUBLISH_CEILING_MS = 2_000;

/**
 * An MQTT.js connection for the other client of the process, the mesh uplink's listener
 * (listen-client.ts): it dials through here so that this file stays the only one that
 * imports MQTT.js.
 */
export function dialMqtt(url: string, options: ConnectOptions): DialedMqtt {
  return mqtt.connect(url, options);
}

export class BridgeMqttClient extends EventEmitter<ClientEvents> {
  readonly topics: BridgeTopics;
  private readonly log: LogPort;
  private client: MqttClient | null = null;
  private stopping = false;
  private readonly clock: Clock;
  private readonly reconnects = new Loop();
  private readonly policy: ReconnectPolicy;
  private readonly presence: Presence;
  private readonly troubles: ClientTroubles;
  private wasConnected = false;
  private readonly outbox: Outbox;
  private readonly inbox: Inbox;
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  /** Other parts' sections of bridge/health (e.g. `uplink`), beside the connection's own `mqtt`. */
  private readonly healthSections = new Map<string, object>();

  constructor(private readonly opts: BridgeClientOptions) {
    super();
    this.topics = bridgeTopics(opts.baseTopic);
    this.log = opts.log ?? silentLog;
    this.clock = opts.clock ?? systemClock;
    this.policy = new ReconnectPolicy({ ...RECONNECT_DEFAULTS, ...opts.reconnect });
    this.presence = new Presence(opts.instance);
    this.troubles = new ClientTroubles(this.log, {
      health: (snapshot) => {
        this.publishRetained(this.topics.bridgeHealth, this.healthPayload());
        this.emitSafely("health", snapshot);
      },
      denied: (denied) => this.emitSafely("denied", denied),
    });
    const connection = (): MqttClient | null => this.client;
    const protocol = (): 4 | 5 => this.protocol;
    this.outbox = new Outbox(connection, protocol, this.troubles, this.log);
    const { topics, troubles, outbox, clock, log } = this;
    this.inbox = new Inbox({ connection, protocol, topics, instance: this.presence.instance, troubles, outbox, clock, log, probeCeilingMs: opts.probeCeilingMs });
    // Our own state topic: other instances on this base topic show up there.
    this.inbox.subscribe(this.topics.bridgeState, (_, payload, meta) => this.onStateMessage(payload, meta.retain));
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** What bridge/health shows now, its other sections (the uplink's) included: the metrics read it when scraped. */
  get health(): MqttHealthSnapshot & Readonly<Record<string, unknown>> {
    return this.healthPayload();
  }

  /** 5 until the broker turns it down (aedes speaks 3.1.1 only), then 4. */
  private get protocol(): 4 | 5 {
    return (this.client?.options.protocolVersion ?? this.opts.protocolVersion ?? 5) === 5 ? 5 : 4;
  }

  /** This process's `instance` in `bridge/state`. */
  get instance(): string {
    return this.presence.instance;
  }

  /** Starts connecting and returns at once; the connection (re)tries in the background. */
  start(): void {
    if (this.client !== null) throw new Error("MQTT client already started");
    const will = { topic: this.topics.bridgeState, payload: this.presence.offline() };
    const client = mqtt.connect(this.opts.url, connectOptions(this.opts, this.opts.protocolVersion ?? 5, will));
    this.client = client;
    client.on("connect", (connack) => {
      // Small publishes must not wait for the broker's delayed ACK (Nagle: ~40 ms a message).
      const stream: unknown = client.stream;
      if (stream instanceof Socket) stream.setNoDelay(true);
      // MQTT.js adds one "drain" listener per packet written under backpressure (thousands on
      // a first sync of a large NodeDB); they go away on drain. Not a leak: don't warn.
      if (stream instanceof Socket) stream.setMaxListeners(0);
      this.onConnected(connack);
    });
    client.on("disconnect", (packet: IDisconnectPacket) => this.troubles.brokerDisconnect(packet.reasonCode));
    client.on("close", () => this.onClosed());
    client.on("error", (error) => this.onError(error));
    client.on("message", (topic, payload, packet) => this.inbox.dispatch(topic, payload, packet.retain));
    const { policy, troubles, clock, log } = this;
    this.reconnects.start((signal) => keepConnecting(client, { policy, troubles, clock, log }, signal));
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
    this.outbox.retained(topic, payload, options.force === true);
  }

  /** Clears a retained topic (empty retained payload), e.g. a forgotten node. */
  clearRetained(topic: string, options: { force?: boolean } = {}): void {
    this.publishRetained(topic, "", options);
  }

  /** Did this connection already carry exactly `payload` on `topic` (retained, from us)? */
  sentOnThisConnection(topic: string, payload: string | object): boolean {
    return this.outbox.sentNow(topic, payload);
  }

  /** A non-retained message (events, responses). Dropped while offline; returns whether sent. */
  publish(topic: string, payload: string | object): boolean {
    return this.outbox.message(topic, payload);
  }

  /** Routes messages matching `filter` to `handler`, now and after every reconnect. */
  subscribe(filter: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => void {
    return this.inbox.subscribe(filter, handler, opts);
  }

  /**
   * Another part's section of `bridge/health` (the uplink's connection and counters):
   * published with the MQTT section, change-only like every retained state.
   */
  setHealthSection(name: string, section: object): void {
    this.healthSections.set(name, section);
    this.publishRetained(this.topics.bridgeHealth, this.healthPayload());
  }

  private healthPayload(): MqttHealthSnapshot & Readonly<Record<string, unknown>> {
    return { ...this.troubles.health(), ...Object.fromEntries(this.healthSections) };
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
    this.inbox.cancelProbe();
    const client = this.client;
    if (client === null) return;
    if (client.connected) {
      // What waits in the window goes out first, as MQTT.js's own queue did.
      await withCeiling(this.outbox.drained(), STOP_PUBLISH_CEILING_MS);
      const mayWrite = this.presence.mayWriteOffline();
      if (!mayWrite) this.log.warn({ topic: this.topics.bridgeState }, "MQTT: another instance's online is the retained state; leaving it, not writing offline");
      await endGracefully(client, mayWrite ? { topic: this.topics.bridgeState, text: this.presence.offline() } : null, STOP_PUBLISH_CEILING_MS);
    } else {
      await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
    }
  }

  private onConnected(connack: IConnackPacket): void {
    const maxPacketSize = this.protocol === 5 ? (connack.properties?.maximumPacketSize ?? null) : null;
    this.log.info({ url: redactUrl(this.opts.url), protocol: this.protocol === 5 ? "5" : "3.1.1", maxPacketSize }, "MQTT connected");
    this.wasConnected = true;
    this.troubles.connected(this.protocol, maxPacketSize, this.clock.now());
    const backlog = this.outbox.opened(connack.properties?.receiveMaximum);
    // Subscribe before announcing `online`: brokers handle one client's packets in order, so
    // whoever sees `online` can send a request and know we are listening.
    this.inbox.resubscribe();
    this.publishRetained(this.topics.bridgeState, this.presence.online());
    for (const [topic, text] of backlog) this.outbox.send(topic, text);
    this.publishRetained(this.topics.bridgeHealth, this.healthPayload());
    this.emitSafely("health", this.troubles.health());
    for (const w of this.waiters.splice(0)) w.resolve();
    this.emitSafely("connect");
  }

  private emitSafely<E extends keyof ClientEvents>(event: E, ...args: ClientEvents[E]): void {
    emitEach(this, event, args, (error) => this.log.error({ event, err: errorText(error) }, "MQTT listener failed"));
  }

  private onClosed(): void {
    this.troubles.closed(this.clock.now(), this.stopping);
    this.inbox.cancelProbe();
    this.outbox.closed();
    if (this.wasConnected) {
      this.wasConnected = false;
      this.emitSafely("disconnect");
    }
  }

  private onError(error: Error): void {
    // Our own end() can race a last write ("write after end"): no trouble of the broker's.
    if (this.stopping) return this.log.debug({ err: error.message }, "MQTT error while stopping");
    this.troubles.error(error, this.connected, this.protocol);
  }

  private onStateMessage(payload: Buffer, retained: boolean): void {
    const topic = this.topics.bridgeState;
    const verdict = this.presence.observe(payload, retained);
    if (verdict.kind === "conflict" && this.troubles.conflict(topic, verdict.instance, this.presence.instance, verdict.first)) {
      const event: BridgeConflictEvent = { type: "bridge_conflict", data: { topic, instance: verdict.instance, own_instance: this.presence.instance } };
      this.publish(this.topics.bridgeEvent, event);
      this.emitSafely("conflict", { topic, instance: verdict.instance });
    }
    if (verdict.kind === "reassert" && this.connected) {
      this.log.info({ topic, instance: verdict.instance }, "MQTT: another instance's offline replaced our online; publishing online again");
      this.outbox.send(topic, this.presence.online());
    }
  }
}
