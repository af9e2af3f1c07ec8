// Brokers and BridgeMqttClients for the MQTT trouble tests, each stopped after its test.
import { afterEach } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { BridgeMqttClient, type BridgeClientOptions } from "../../src/mqtt/client.js";
import { Mosquitto, type MosquittoLimits } from "../helpers/mosquitto.js";
import { Observer } from "../helpers/mqtt.js";

const cleanups: Array<() => Promise<void> | void> = [];

/** Call once per test file: everything started below is stopped after each test. */
export function stopAfterEach(): void {
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
}

export function onCleanup(fn: () => Promise<void> | void): void {
  cleanups.push(fn);
}

export const freshBase = (): string => `tr-${Math.random().toString(16).slice(2, 8)}`;

export async function mosquitto(limits: MosquittoLimits = {}): Promise<Mosquitto> {
  const broker = await Mosquitto.start(limits);
  cleanups.push(() => broker.stop());
  return broker;
}

export async function embedded(): Promise<string> {
  const broker = new EmbeddedBroker({ port: 0 });
  await broker.start();
  cleanups.push(() => broker.stop());
  return broker.url;
}

export function client(url: string, baseTopic: string, opts: Partial<BridgeClientOptions> = {}): BridgeMqttClient {
  const c = new BridgeMqttClient({ url, baseTopic, reconnect: { minMs: 20, maxMs: 200 }, ...opts });
  cleanups.push(() => c.stop());
  return c;
}

export async function observe(url: string, filters: string[]): Promise<Observer> {
  const o = await Observer.connect(url, filters);
  cleanups.push(() => o.close());
  return o;
}
