// What goes wrong on the bridge's MQTT connection, named: refused publishes and
// subscriptions (logged once per topic, with the broker's reason), why connections end,
// takeovers by a client with our client_id, other instances on our base topic, retained
// requests. Keeps the health that `<base>/bridge/health` shows. No MQTT.js in here: the
// client hands over what the broker said.
import type { LogPort } from "../log-port.js";
import { MqttHealth, type MqttHealthSnapshot } from "./health.js";
import { publishPacketBytes, reasonCodeOf, reasonText, reasonWithHint, UNSUPPORTED_PROTOCOL } from "./reasons.js";
import type { CloseFacts, ReconnectVerdict } from "./reconnect-policy.js";

export interface Denied {
  kind: "publish" | "subscribe";
  topic: string;
  reason: string;
}

export interface TroubleSink {
  /** The health snapshot changed. */
  health(snapshot: MqttHealthSnapshot): void;
  /** The broker refused a publish or a subscription on a topic it had not refused (for that reason) before. */
  denied(denied: Denied): void;
}

/** Connections in a row that end before they held, before we say so. */
const SHORT_DROPS_TO_WARN = 3;

export class ClientTroubles {
  private readonly state = new MqttHealth();
  private maxPacketSize: number | null = null;
  /** Facts of the current connection, for when it ends. */
  private connectedAt: number | null = null;
  private disconnectCode: number | null = null;
  private connectionError: string | null = null;
  private close: CloseFacts = { now: 0, connectedAt: null, reasonCode: null };
  private lastError = "";
  private fallBack = false;
  private lastLostReason: string | null = null;
  private lastLostKind: string | null = null;
  private readonly refusedRequests = new Set<string>();

  constructor(
    private readonly log: LogPort,
    private readonly sink: TroubleSink,
  ) {}

  health(): MqttHealthSnapshot {
    return this.state.snapshot();
  }

  /** A new connection; the client publishes the health once its `online` is out. */
  connected(protocol: 4 | 5, maxPacketSize: number | null, now: number): void {
    this.connectedAt = now;
    this.disconnectCode = null;
    this.connectionError = null;
    this.lastError = "";
    this.maxPacketSize = maxPacketSize;
    this.state.connected(protocol, maxPacketSize);
  }

  /** The broker's DISCONNECT (MQTT 5) with its reason code. */
  brokerDisconnect(code: number | undefined): void {
    this.disconnectCode = code ?? null;
  }

  /** An MQTT.js error. The broker turning down MQTT 5 (aedes) is no failure: see takeFallBack(). */
  error(error: Error, connected: boolean, protocol: 4 | 5): void {
    const code = reasonCodeOf(error);
    if (protocol === 5 && !connected && code !== null && (UNSUPPORTED_PROTOCOL as readonly number[]).includes(code)) {
      this.fallBack = true;
      return this.log.debug({ err: error.message }, "MQTT 5 refused");
    }
    if (connected) this.connectionError = error.message;
    // Repeated failures (broker down for an hour) are logged once, not on every retry.
    if (error.message === this.lastError) this.log.debug({ err: error.message }, "MQTT error");
    else this.log.warn({ err: error.message }, "MQTT error");
    this.lastError = error.message;
  }

  /** True once after the broker turned down MQTT 5: connect again at once with 3.1.1. */
  takeFallBack(): boolean {
    const fallBack = this.fallBack;
    this.fallBack = false;
    return fallBack;
  }

  /** A connection attempt or a connection ended. */
  closed(now: number, stopping: boolean): void {
    const facts: CloseFacts = { now, connectedAt: this.connectedAt, reasonCode: this.disconnectCode };
    const error = this.connectionError;
    this.connectedAt = null;
    this.disconnectCode = null;
    this.connectionError = null;
    this.close = facts;
    if (facts.connectedAt === null || stopping) return;
    const reason = facts.reasonCode !== null ? reasonWithHint(facts.reasonCode) : (error ?? "the connection closed");
    this.state.disconnected(reason);
    this.sink.health(this.state.snapshot());
    const fields = { reason, afterMs: facts.now - facts.connectedAt };
    // A broker that keeps dropping us for one reason is named once, not on every round. Without
    // a reason code, what the socket says of the same drop varies with timing (a reset, a
    // broken pipe, a plain close), so those count as one reason.
    const kind = facts.reasonCode !== null ? reason : "no reason code";
    if (kind === this.lastLostKind) this.log.debug(fields, "MQTT connection lost");
    else this.log.warn(fields, "MQTT connection lost");
    this.lastLostKind = kind;
    this.lastLostReason = reason;
  }

  lastClose(): CloseFacts {
    return this.close;
  }

  /** Names what the reconnect policy concluded, where that tells the user something. */
  judge(verdict: ReconnectVerdict, clientId: string | undefined): void {
    if (verdict.takenOver) {
      this.log.warn(
        { clientId, retryInMs: verdict.waitMs },
        "MQTT session taken over: another client connected with this client_id (two bridges with one mqtt.client_id?); waiting before taking it back",
      );
    } else if (verdict.shortDrops === SHORT_DROPS_TO_WARN) {
      this.log.warn(
        { drops: verdict.shortDrops, retryInMs: verdict.waitMs, lastReason: this.lastLostReason },
        "MQTT: the broker keeps closing the connection soon after accepting it (a message over its max_packet_size, an ACL, or another client with the same client_id?); backing off",
      );
    }
  }

  /** True (and the topic reported as refused) when the broker announced a smaller maximum packet size. */
  tooLarge(topic: string, text: string, qos: 0 | 1, v5: boolean): boolean {
    if (this.maxPacketSize === null) return false;
    const bytes = publishPacketBytes(topic, Buffer.byteLength(text, "utf8"), qos, v5);
    if (bytes <= this.maxPacketSize) return false;
    // Sending it would only get us disconnected [MQTT-3.2.2-15]; what the broker cannot take is reported instead.
    // (No byte count in the reason: a growing health payload would be news every time.)
    this.deny("publish", topic, `packet too large for the broker's maximum of ${this.maxPacketSize} bytes`);
    return true;
  }

  /** The broker's answer to a QoS 1 publish. */
  published(topic: string, error: Error | null | undefined): void {
    // MQTT.js passes null (not undefined, as its typings say) for success.
    if (error === null || error === undefined) {
      if (this.state.publishAccepted(topic)) this.sink.health(this.state.snapshot());
      return;
    }
    const code = reasonCodeOf(error);
    // Without a reason code the publish did not reach an answer (the connection went away).
    if (code === null) return this.log.debug({ topic, err: error.message }, "MQTT retained publish not confirmed");
    this.deny("publish", topic, reasonText(code));
  }

  /** The broker's SUBACK: `granted` holds a QoS or a failure code (>= 0x80) per filter, in order. */
  subscribed(filters: readonly string[], error: Error | null, granted: readonly (number | object)[] | undefined): void {
    if (error !== null && granted === undefined) {
      return this.log.warn({ filters, err: error.message }, "MQTT subscribe failed");
    }
    let changed = false;
    filters.forEach((filter, i) => {
      const code = granted?.[i];
      if (typeof code === "number" && code >= 0x80) this.deny("subscribe", filter, reasonText(code));
      else changed = this.state.subscribeAccepted(filter) || changed;
    });
    if (changed) this.sink.health(this.state.snapshot());
  }

  /** A granted subscription whose probe never came back (request-probe.ts). */
  undelivered(filter: string, reason: string): void {
    if (!this.state.deniedSubscribe(filter, reason)) return;
    this.log.warn({ topic: filter, reason }, "MQTT broker granted a subscription but delivers nothing on it: requests will not reach the bridge");
    this.sink.denied({ kind: "subscribe", topic: filter, reason });
    this.sink.health(this.state.snapshot());
  }

  forgetSubscription(filter: string): void {
    if (this.state.subscribeAccepted(filter)) this.sink.health(this.state.snapshot());
  }

  /** Another instance published `online` on our state topic; true the first time (raise the event then). */
  conflict(topic: string, instance: string, own: string, first: boolean): boolean {
    const fields = { topic, instance, ownInstance: own };
    const message = "another bridge instance is online on this base_topic: two bridges answer every request and overwrite each other's state; give each its own mqtt.base_topic";
    if (first) this.log.warn(fields, message);
    else this.log.debug(fields, message);
    return first;
  }

  retainedRequest(topic: string): void {
    const fields = { topic };
    const message = "refused a retained request (published with retain, delivered from the broker's store); cleared it: publish requests without retain";
    if (this.refusedRequests.has(topic)) return this.log.debug(fields, message);
    this.refusedRequests.add(topic);
    this.log.warn(fields, message);
  }

  private deny(kind: Denied["kind"], topic: string, reason: string): void {
    const news = kind === "publish" ? this.state.deniedPublish(topic, reason) : this.state.deniedSubscribe(topic, reason);
    if (!news) return;
    this.log.warn({ topic, reason }, kind === "publish" ? "MQTT broker refused a publish" : "MQTT broker refused a subscription");
    this.sink.denied({ kind, topic, reason });
    this.sink.health(this.state.snapshot());
  }
}
