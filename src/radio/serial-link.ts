// The link options for a radio on USB serial. serial.ts, and with it serialport's native
// binding, is loaded only here, on demand: a TCP setup never needs it, and a platform without
// a prebuilt binding fails with a reason instead of at startup.
import type { Endpoint } from "./transport.js";

/**
 * Reconnect attempts to a serial radio back off to at most this: opening a local device costs
 * nothing, and a radio plugged back in should be served again within seconds.
 */
export const SERIAL_BACKOFF_MAX_MS = 5_000;

export async function serialLink(path: string, baud: number): Promise<{ endpoint: Endpoint; backoffMaxMs: number }> {
  let serial: typeof import("./serial.js");
  try {
    serial = await import("./serial.js");
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`radio.serial needs serialport's native binding, which did not load on ${process.platform}-${process.arch}: ${why}`);
  }
  return { endpoint: serial.serialEndpoint({ path, baud }), backoffMaxMs: SERIAL_BACKOFF_MAX_MS };
}
