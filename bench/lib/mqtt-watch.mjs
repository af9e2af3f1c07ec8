// An MQTT.js subscriber on the bridge's broker: stamps every message on arrival (monotonic
// ms) and lets a row wait for the first message that matches a predicate.
import mqtt from "mqtt";
import { nowMs, withTimeout } from "./time.mjs";

export async function watch(url, filters, { timeoutMs = 10_000 } = {}) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: timeoutMs, clientId: `bench-${process.pid}-${Math.random().toString(16).slice(2, 8)}` });
  const waiters = new Set();
  const listeners = new Set();
  const latest = new Map();
  client.on("message", (topic, payload, packet) => {
    const message = { at: nowMs(), topic, payload, retain: packet.retain };
    latest.set(topic, message);
    for (const listener of listeners) listener(message);
    for (const waiter of waiters) {
      if (!waiter.match(message)) continue;
      waiters.delete(waiter);
      waiter.resolve(message);
    }
  });
  await withTimeout(new Promise((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  }), timeoutMs, `MQTT connect to ${url}`);
  // Our own requests must not wait behind Nagle for the broker's delayed ACK of our last
  // PUBACK (40 ms on Linux): that would be the bench's latency, not the bridge's.
  client.stream.setNoDelay?.(true);
  await client.subscribeAsync(filters, { qos: 1 });
  return {
    client,
    /** The first message from now on that `match` accepts. */
    next(match, ms, what) {
      let waiter;
      const found = new Promise((resolve) => {
        waiter = { match, resolve };
        waiters.add(waiter);
      });
      return withTimeout(found, ms, what).finally(() => waiters.delete(waiter));
    },
    /** Like next(), but a message already received (a retained one, say) also counts. */
    current(match, ms, what) {
      for (const message of latest.values()) if (match(message)) return Promise.resolve(message);
      return this.next(match, ms, what);
    },
    /** Calls `listener(message)` for every message; returns the unsubscribe function. */
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    publish(topic, payload) {
      return client.publishAsync(topic, payload, { qos: 0 });
    },
    close() {
      return client.endAsync(true);
    },
  };
}

/** Parses a JSON payload; null for anything else (an empty retained clear, say). */
export function json(message) {
  try {
    return JSON.parse(message.payload.toString("utf8"));
  } catch {
    return null;
  }
}
