// A second MQTT connection that only listens: the mesh's uplink (uplink/), on a broker that
// may be a public one and is often not the bridge's. It publishes nothing (no will, no
// state, no health on that broker: the bridge's own client reports it), subscribes at QoS 0,
// and reconnects with the one reconnect loop and policy the bridge's client uses, keeping
// its own health. MQTT.js comes through client.ts's dialMqtt.
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import { redactUrl } from "../config/redact.js";
import { silentLog, type LogPort } from "../log-port.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import { dialMqtt } from "./client.js";
import type { BridgeClientOptions, DialedMqtt } from "./client-types.js";
import { ClientTroubles } from "./client-troubles.js";
import { connectOptions } from "./connect-options.js";
import type { MqttHealthSnapshot } from "./health.js";
import { keepConnecting } from "./reconnect-loop.js";
import { ReconnectPolicy, RECONNECT_DEFAULTS } from "./reconnect-policy.js";
import { withCeiling } from "./util.js";

export interface ListeningClientOptions extends Omit<BridgeClientOptions, "baseTopic" | "instance" | "probeCeilingMs"> {
  /** Topic filters, subscribed after every connect. */
  filters: readonly string[];
  /** MQTT 5: the broker is asked to send nothing larger (a 3.1.1 broker may; the reader caps it). */
  maxPacketBytes?: number;
}

export interface ListeningClientHealth {
  connected: boolean;
  /** Connections made again after a lost one, since start. */
  reconnects: number;
  last_disconnect_reason: string | null;
  /** The last error of a connection attempt or connection (null once connected again). */
  last_error: string | null;
  denied_subscribe: MqttHealthSnapshot["mqtt"]["denied_subscribe"];
}

export interface ListeningClientEvents {
  message: [topic: string, payload: Buffer];
  /** What `health()` reports changed. */
  health: [];
}

const STOP_CEILING_MS = 2_000;

export class ListeningMqttClient extends EventEmitter<ListeningClientEvents> {
  private client: DialedMqtt | null = null;
  private stopping = false;
  private readonly log: LogPort;
  private readonly clock: Clock;
  private readonly reconnects = new Loop();
  private readonly policy: ReconnectPolicy;
  private readonly troubles: ClientTroubles;
  private lastError: string | null = null;

  constructor(private readonly opts: ListeningClientOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.clock = opts.clock ?? systemClock;
    this.policy = new ReconnectPolicy({ ...RECONNECT_DEFAULTS, ...opts.reconnect });
    this.troubles = new ClientTroubles(this.log, { health: () => this.emit("health"), denied: () => undefined });
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  health(): ListeningClientHealth {
    const { mqtt } = this.troubles.health();
    return { connected: this.connected, reconnects: mqtt.reconnects, last_disconnect_reason: mqtt.last_disconnect_reason, last_error: this.lastError, denied_subscribe: mqtt.denied_subscribe };
  }

  /** Starts connecting and returns at once; the connection (re)tries in the background. */
  start(): void {
    if (this.client !== null) throw new Error("listening MQTT client already started");
    const protocol = this.opts.protocolVersion ?? 5;
    // Our id on someone else's broker, unless configured: meshtastic-keysync-uplink-<6 hex>, recognisable and unique per start.
    const options = connectOptions({ ...this.opts, baseTopic: "meshtastic-keysync-uplink" }, protocol, null);
    if (this.opts.maxPacketBytes !== undefined) options.properties = { maximumPacketSize: this.opts.maxPacketBytes };
    const client = dialMqtt(this.opts.url, options);
    this.client = client;
    client.on("connect", () => this.onConnected(client));
    client.on("message", (topic, payload) => this.emit("message", topic, payload));
    client.on("disconnect", (packet) => this.troubles.brokerDisconnect(packet.reasonCode));
    client.on("close", () => this.onClosed());
    client.on("error", (error) => this.onError(error, client));
    const { policy, troubles, clock, log } = this;
    this.reconnects.start((signal) => keepConnecting(client, { policy, troubles, clock, log }, signal));
  }

  /** Drops the connection as a network failure would; it reconnects as usual. For tests. */
  destroySocket(): void {
    const stream = this.client?.stream;
    if (stream instanceof Socket) stream.destroy();
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.reconnects.stop();
    const client = this.client;
    if (client === null) return;
    const ended = new Promise<void>((resolve) => client.end(!client.connected, {}, () => resolve()));
    if (!(await withCeiling(ended, STOP_CEILING_MS))) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  private onConnected(client: DialedMqtt): void {
    const stream = client.stream;
    if (stream instanceof Socket) stream.setNoDelay(true);
    const protocol = client.options.protocolVersion === 5 ? 5 : 4;
    this.log.info({ url: redactUrl(this.opts.url), protocol: protocol === 5 ? "5" : "3.1.1" }, "uplink MQTT connected");
    this.troubles.connected(protocol, null, this.clock.now());
    this.lastError = null;
    const filters = [...this.opts.filters];
    client.subscribe(filters, { qos: 0 }, (error, _granted, packet) => this.troubles.subscribed(filters, error, packet?.granted));
    this.emit("health");
  }

  private onClosed(): void {
    this.troubles.closed(this.clock.now(), this.stopping);
    this.emit("health");
  }

  private onError(error: Error, client: DialedMqtt): void {
    if (this.stopping) return;
    this.troubles.error(error, client.connected, client.options.protocolVersion === 5 ? 5 : 4);
    this.lastError = error.message;
    this.emit("health");
  }
}
