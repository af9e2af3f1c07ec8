// A USB serial radio as a Transport. The only file that imports `serialport`.
//
// What the official client does, and so do we (meshtastic/python stream_interface.py,
// serial_interface.py): open the port without HUPCL, so that opening and closing it do not
// reset ESP32 boards through DTR; send 32 bytes of 0xC3 to wake the radio and resynchronise
// its reader, wait ~100 ms, then the link sends want_config_id.
//
// The port is read through serialport's binding, not its stream: on Linux a read from a
// hung-up tty (a USB radio unplugged mid-traffic) returns 0 bytes, which the binding's read
// retries at once, for ever (serialport/bindings-cpp#162), so the unplug would never be seen.
// Here a 0-byte read is the end of the line. The descriptor is non-blocking, so it is read
// on the event loop (no thread-pool round trip per chunk: a 115200-baud dump arrives in a
// few hundred small chunks), and after a read that did not fill the buffer the next one
// waits for the poller instead of trying once more in vain.
import { EventEmitter } from "node:events";
import { execFile } from "node:child_process";
import { readSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { SerialPort } from "serialport";
import { describeOpenError, describeLineError } from "./serial-errors.js";
import type { Endpoint, LinkTraits, Transport, TransportEvents } from "./transport.js";

export interface SerialOptions {
  path: string;
  /** SERIAL_BAUD in the firmware is 115200. */
  baud: number;
  /** Pause after the wake bytes, before the first frame. */
  wakeDelayMs?: number;
}

/** The firmware's reader resynchronises on any byte that is not 0x94; 0xC3 also wakes a sleeping radio. */
const WAKE = Buffer.alloc(32, 0xc3);
const READ_BUFFER = 64 * 1024;

export const SERIAL_TRAITS: LinkTraits = {
  singleClient: false,
  consoleText: true,
  dumpIdleTimeoutMs: 10_000,
  silenceHint: "is the radio's serial API on (security.serial_enabled in the radio's config), and is radio.baud right (115200 unless changed)?",
};

export function serialEndpoint(options: SerialOptions): Endpoint {
  return { kind: "serial", label: options.path, traits: SERIAL_TRAITS, open: (signal) => openSerial(options, signal) };
}

type PortBinding = Awaited<ReturnType<typeof SerialPort.binding.open>>;
/** The Unix bindings' port: its descriptor and the poller that waits for it to be readable. */
interface UnixPort {
  fd: number | null;
  poller: { once(event: "readable", cb: (err: Error | null) => void): unknown };
}

export async function openSerial(options: SerialOptions, signal?: AbortSignal): Promise<Transport> {
  if (signal?.aborted) throw new Error("open aborted");
  let port: PortBinding;
  try {
    // lock: flock(LOCK_EX), so a second program (or a second bridge) is refused, not mixed in.
    port = await SerialPort.binding.open({ path: options.path, baudRate: options.baud, hupcl: false, lock: true });
  } catch (err) {
    throw new Error(describeOpenError(options.path, err));
  }
  await clearHupcl(options.path);
  const transport = new SerialTransport(port, options.path);
  transport.write(WAKE);
  try {
    await sleep(options.wakeDelayMs ?? 100, undefined, { signal });
  } catch {
    await transport.close("open aborted");
    throw new Error("open aborted");
  }
  if (!transport.isOpen) throw new Error(transport.closeReason ?? `${options.path} closed while opening`);
  return transport;
}

/**
 * serialport's `hupcl: false` only leaves HUPCL alone, and Linux serial devices come up with
 * it set; `stty -hupcl` clears it on the device, so that our close does not drop DTR. Best
 * effort: where stty is missing, the port still works, it may only reset the board on close.
 */
async function clearHupcl(path: string): Promise<void> {
  if (process.platform !== "linux") return;
  await promisify(execFile)("stty", ["-F", path, "-hupcl"], { timeout: 5_000 }).catch(() => undefined);
}

class SerialTransport extends EventEmitter<TransportEvents> implements Transport {
  closeReason: string | null = null;
  private closing: Promise<void> | null = null;
  private writing: Promise<void> = Promise.resolve();
  /** The last read left the kernel's buffer empty: wait for the poller before the next. */
  private drained = false;

  constructor(
    private readonly port: PortBinding,
    private readonly path: string,
  ) {
    super();
    void this.readLoop();
  }

  get isOpen(): boolean {
    return this.closeReason === null;
  }

  write(bytes: Uint8Array): void {
    if (!this.isOpen) throw new Error(`serial port ${this.path} is closed`);
    const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
    // The binding takes one write at a time.
    this.writing = this.writing
      .then(() => this.port.write(buffer))
      .catch((err: unknown) => this.finish(describeLineError(this.path, err), true));
  }

  async close(reason = "closed by us"): Promise<void> {
    this.finish(reason, false);
    await this.closing;
  }

  private finish(reason: string, byPeer: boolean): void {
    if (this.closeReason !== null) return;
    this.closeReason = reason;
    this.closing = this.port.close().catch(() => undefined);
    this.emit("close", reason, byPeer);
  }

  private async readLoop(): Promise<void> {
    const buffer = Buffer.allocUnsafe(READ_BUFFER);
    while (this.isOpen) {
      let bytes: number;
      try {
        bytes = await this.readSome(buffer);
      } catch (err) {
        if (this.isOpen) this.finish(describeLineError(this.path, err), true);
        return;
      }
      if (!this.isOpen) return;
      if (bytes === 0) {
        this.finish(describeLineError(this.path, null), true);
        return;
      }
      // Listeners copy what they keep (FrameDecoder.push does), so the buffer is reused.
      this.emit("data", buffer.subarray(0, bytes));
    }
  }

  /** At least one byte, or 0 at the end of the line (device gone). */
  private async readSome(buffer: Buffer): Promise<number> {
    const unix = this.port as unknown as Partial<UnixPort>;
    if (typeof unix.fd !== "number" || unix.poller === undefined) {
      return (await this.port.read(buffer, 0, buffer.length)).bytesRead;
    }
    for (;;) {
      if (this.drained) {
        // Never poll a closed port: close() destroys the poller, and polling it then crashes.
        if (!this.isOpen || unix.fd === null) throw new Error("port closed");
        const poller = unix.poller;
        await new Promise<void>((resolve, reject) => poller.once("readable", (err) => (err ? reject(err) : resolve())));
      }
      const fd = unix.fd;
      if (fd === null || fd === undefined || !this.isOpen) throw new Error("port closed");
      try {
        const bytes = readSync(fd, buffer, 0, buffer.length, null);
        this.drained = bytes < buffer.length;
        return bytes;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== "EAGAIN" && code !== "EWOULDBLOCK" && code !== "EINTR") throw err;
        this.drained = true;
      }
    }
  }
}
