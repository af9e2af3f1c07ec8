// Test-side MQTT helpers: an observer client that records every message and lets a test
// await "the next message on topic X matching P" without sleeping.
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
}

interface Waiter {
  match: (m: Received) => boolean;
  resolve: (m: Received) => void;
}

export class Observer {
  readonly messages: Received[] = [];
  private waiters: Waiter[] = [];

  private constructor(readonly client: MqttClient) {
    client.on("message", (topic, payload, packet) => {
      const m = { topic, text: payload.toString(), retain: packet.retain };
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
  }

  /** Connects and subscribes to `filters`; resolves once SUBACK is in. */
  static async connect(url: string, filters: string[], opts: IClientOptions = {}): Promise<Observer> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4, ...opts });
    const observer = new Observer(client);
    if (filters.length > 0) await client.subscribeAsync(filters, { qos: 1 });
    return observer;
  }

  /** A mark for `next(..., since)`: only messages received after it count. */
  mark(): number {
    return this.messages.length;
  }

  /** The first message on `topic` (after `since`) for which `match` holds; waits if needed. */
  next(topic: string, match: (text: string, m: Received) => boolean = () => true, since = 0): Promise<Received> {
    const test = (m: Received) => m.topic === topic && match(m.text, m);
    const seen = this.messages.slice(since).find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match: test, resolve }));
  }

  /** Messages on `topic` so far (optionally after `since`). */
  on(topic: string, since = 0): Received[] {
    return this.messages.slice(since).filter((m) => m.topic === topic);
  }

  async close(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** Publishes from a throwaway client and waits for the broker's PUBACK (QoS 1). */
export async function publishOnce(url: string, topic: string, payload: string, retain = false): Promise<void> {
  const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, protocolVersion: 4 });
  try {
    await client.publishAsync(topic, payload, { qos: 1, retain });
  } finally {
    await client.endAsync();
  }
}

export const json = (text: string): unknown => JSON.parse(text);

/**
 * The broker's retained message on `topic` right now, or null when it holds none. A broker
 * sends a subscription's retained messages while handling the SUBSCRIBE, before it reads
 * the client's next packet: once our own marker comes back, nothing retained is missing.
 */
export async function retainedNow(url: string, topic: string): Promise<string | null> {
  const marker = `retained-now/${Math.random().toString(16).slice(2)}`;
  const observer = await Observer.connect(url, [topic, marker]);
  try {
    await observer.client.publishAsync(marker, "mark", { qos: 1 });
    await observer.next(marker);
    const kept = observer.on(topic).filter((m) => m.retain);
    return kept.at(-1)?.text ?? null;
  } finally {
    await observer.close();
  }
}
