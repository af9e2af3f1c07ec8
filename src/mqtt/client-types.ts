// Options, event and callback types of BridgeMqttClient (kept apart so callers can import them alone).
import type { LogPort } from "../log-port.js";
import type { Clock } from "../timing/clock.js";
import type { Denied } from "./client-troubles.js";
import type { MqttHealthSnapshot } from "./health.js";

export interface BridgeClientOptions {
  /** mqtt://host:port or mqtts://host:port. */
  url: string;
  baseTopic: string;
  /** Default: `<base_topic>-<6 random hex chars>` (CONTRACT.md config). */
  clientId?: string;
  username?: string;
  password?: string;
  /** File paths, read at start(). */
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  /**
   * Reconnect delay doubles from minMs up to maxMs (defaults 1 s and 15 s) and starts over
   * only after a connection that held stableMs (60 s); after a session takeover (MQTT 5
   * 0x8E) the wait is at least takeoverPauseMs (5 min). See reconnect-policy.ts.
   */
  reconnect?: { minMs?: number; maxMs?: number; stableMs?: number; takeoverPauseMs?: number };
  /** 5 (default): MQTT 5, falling back to 3.1.1 when the broker refuses it; 4: 3.1.1 only. */
  protocolVersion?: 4 | 5;
  /** `instance` in `<base>/bridge/state`; default: random, i.e. one per process start. */
  instance?: string;
  connectTimeoutMs?: number;
  keepaliveSeconds?: number;
  /** How long a request-subscription probe may take to come back (request-probe.ts; default 10 s). */
  probeCeilingMs?: number;
  log?: LogPort;
  /** The reconnect waits run on it. Default: the system clock. */
  clock?: Clock;
}

export interface ClientEvents {
  /** After every (re)connect, once `online` is out: republish the current retained state here. */
  connect: [];
  /** An established connection was lost (not emitted for failed attempts). */
  disconnect: [];
  /** What `<base>/bridge/health` shows changed (the client publishes it itself). */
  health: [MqttHealthSnapshot];
  /** The broker refused a publish or subscription, new for that topic and reason. */
  denied: [Denied];
  /** Another live instance is online on our base topic (the client raises `bridge_conflict` itself). */
  conflict: [{ topic: string; instance: string }];
}

export type MessageHandler = (topic: string, payload: Buffer, meta: { retain: boolean }) => void | Promise<void>;

export interface SubscribeOptions {
  /**
   * Skip messages that repeat the payload we last published on that topic. The embedded
   * broker (aedes) speaks MQTT 3.1.1 only, which has no "no local" subscription option, so a
   * client that subscribes to topics it publishes sees its own messages.
   */
  ignoreOwn?: boolean;
}

/** The parts of an MQTT.js client the uplink's listening client uses (client.ts dialMqtt). */
export interface DialedMqtt {
  readonly connected: boolean;
  options: { protocolVersion?: number; clientId?: string };
  stream: unknown;
  on(event: "connect", listener: (connack: { properties?: { maximumPacketSize?: number } }) => void): unknown;
  on(event: "message", listener: (topic: string, payload: Buffer) => void): unknown;
  on(event: "disconnect", listener: (packet: { reasonCode?: number }) => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "close", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
  subscribe(filters: string[], opts: { qos: 0 | 1 }, callback: (error: Error | null, granted?: unknown, packet?: { granted: Array<number | object> }) => void): unknown;
  reconnect(): unknown;
  end(force: boolean, opts: object, callback: () => void): unknown;
}
