// The MQTT.js connect options of the bridge's client, from its own options. Typed here by
// the fields we set, so that only client.ts imports MQTT.js.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { BridgeClientOptions } from "./client-types.js";

export interface ConnectOptions {
  clientId: string;
  protocolVersion: 4 | 5;
  clean: boolean;
  keepalive: number;
  connectTimeout: number;
  reconnectPeriod: number;
  resubscribe: boolean;
  will?: { topic: string; payload: Buffer; qos: 1; retain: boolean };
  /** MQTT 5 CONNECT properties, e.g. the largest packet we accept. */
  properties?: { maximumPacketSize?: number };
  username?: string;
  password?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized?: boolean;
}

/**
 * `will`: the `offline` state the broker publishes for us if we vanish (null: none, for a
 * client that only listens, like the uplink's). TLS files are read here.
 */
export function connectOptions(opts: BridgeClientOptions, protocolVersion: 4 | 5, will: { topic: string; payload: string } | null): ConnectOptions {
  const options: ConnectOptions = {
    clientId: opts.clientId ?? `${opts.baseTopic}-${randomBytes(3).toString("hex")}`,
    protocolVersion,
    clean: true,
    keepalive: opts.keepaliveSeconds ?? 30,
    connectTimeout: opts.connectTimeoutMs ?? 10_000,
    reconnectPeriod: 0, // we reconnect ourselves, with backoff (MQTT.js retries at a fixed period)
    resubscribe: false, // we resubscribe ourselves on every connect
  };
  if (will !== null) options.will = { topic: will.topic, payload: Buffer.from(will.payload), qos: 1, retain: true };
  if (opts.username !== undefined) options.username = opts.username;
  if (opts.password !== undefined) options.password = opts.password;
  if (opts.tls) {
    const { ca, cert, key, rejectUnauthorized } = opts.tls;
    if (ca) options.ca = readFileSync(ca);
    if (cert) options.cert = readFileSync(cert);
    if (key) options.key = readFileSync(key);
    options.rejectUnauthorized = rejectUnauthorized ?? true;
  }
  return options;
}
