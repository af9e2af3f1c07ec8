// Small promise, error and event helpers shared by the MQTT client and broker.

/** Resolves true if `promise` settles within `ms`, false otherwise; leaves no timer behind. */
export async function withCeiling(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Like emitter.emit(event), but each listener's failure is its own, thrown or rejected:
 * handed to `failed`, and the other listeners run (emit() stops at the first that throws).
 */
export function emitEach(emitter: { rawListeners(event: string): unknown[] }, event: string, args: unknown[], failed: (error: unknown) => void): void {
  for (const listener of emitter.rawListeners(event) as Array<(...args: unknown[]) => unknown>) {
    try {
      const result = listener.apply(emitter, args);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}

/** Resolves on the emitter's next `event`, or when `signal` aborts. */
export function nextEvent(emitter: { on(event: string, listener: () => void): unknown; off(event: string, listener: () => void): unknown }, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      emitter.off(event, done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    emitter.on(event, done);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** The parts of an MQTT.js client a goodbye needs. */
export interface Ending {
  publish(topic: string, message: string, opts: { qos: 1; retain: boolean }, callback: () => void): unknown;
  end(force: boolean, opts: object, callback: () => void): unknown;
  stream: { destroy(): void };
}

/**
 * Publishes `last` (if given) and disconnects cleanly (which discards the will), each
 * within `ceilingMs`: a broker that stops answering mid-goodbye gets its socket dropped,
 * so that no handle stays open.
 */
export async function endGracefully(client: Ending, last: { topic: string; text: string } | null, ceilingMs: number): Promise<void> {
  if (last !== null) {
    await withCeiling(new Promise<void>((resolve) => client.publish(last.topic, last.text, { qos: 1, retain: true }, () => resolve())), ceilingMs);
  }
  const ended = await withCeiling(new Promise<void>((resolve) => client.end(false, {}, () => resolve())), ceilingMs);
  if (!ended) client.stream.destroy();
}
