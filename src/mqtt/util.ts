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
export function emitEach(emitter: { rawListeners(event: string): unknown[] }, event: string, failed: (error: unknown) => void): void {
  for (const listener of emitter.rawListeners(event) as Array<() => unknown>) {
    try {
      const result = listener.call(emitter);
      if (result instanceof Promise) result.catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
