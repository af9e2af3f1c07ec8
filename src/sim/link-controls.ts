// The controls that make the simulated radio's link to its clients fail as real links do: a
// serial port beside TCP, restarts, dropped sockets, hangs, bytes outside any frame. Kept
// apart from radio.ts (the controls of the mesh and its NodeDB) because these act on the
// connections alone; the connections themselves are held by server.ts.
import { SerialLine, type SerialLineOptions } from "./serial-line.js";
import { SimServer } from "./server.js";
import type { SimSession } from "./session.js";

/** Printable text a serial console shows; what "garbage" usually is on a real stream. */
const DEBUG_TEXT = "DEBUG | 12:00:00 42 [Router] Lost packet, no free slot\r\n";

export class SimLinkControls extends SimServer {
  private readonly serial = new Map<SimSession, SerialLine>();

  /**
   * Serves the API on a serial port too: `path` is one end of a pseudo-terminal pair (socat),
   * the bridge opens the other. Console text, pacing at the baud rate and the rest of a serial
   * port's ways are SerialLineOptions. Throws as open(2) does (ENOENT, EACCES).
   */
  serveSerial(path: string, options: SerialLineOptions = {}): SerialLine {
    const line = SerialLine.open(path, { seed: this.options.seed, consoleAfterApi: !this.options.replayAfterComplete, ...options });
    const session = this.adopt(line, `serial ${path}`, true);
    this.serial.set(session, line);
    line.once("close", () => this.serial.delete(session));
    return line;
  }

  /** The serial lines being served now. */
  get serialLines(): SerialLine[] {
    return [...this.serial.values()];
  }

  /**
   * The radio restarts. Over TCP that closes every connection (a reboot looks like a dropped
   * socket); on a serial port the line stays, the client is forgotten, and the boot log and
   * a `rebooted` frame follow.
   */
  restart(): void {
    for (const session of this.sessions.values()) {
      const line = this.serial.get(session);
      if (!line) {
        session.reset(); // a reboot empties the to-phone queue too
        session.close("radio restarted");
        continue;
      }
      session.reset();
      line.reboot();
    }
  }

  /** Closes every client connection, as a radio reboot looks over TCP. Returns how many. */
  dropClient(): number {
    const count = this.sessions.size;
    for (const session of this.sessions.values()) session.close("dropped by the simulator");
    return count;
  }

  /** The radio stops reading and answering; sockets stay open (TCP keepalive can't tell). */
  hang(): void {
    this.hung = true;
    for (const session of this.sessions.values()) session.hang();
  }

  /** Back to life: what it owed is written, what it was sent is read. */
  resume(): void {
    this.hung = false;
    for (const session of this.sessions.values()) session.resume();
  }

  /** Writes bytes outside any frame to every client; default: a firmware debug log line. */
  writeGarbage(bytes: Uint8Array | string = DEBUG_TEXT): void {
    const raw = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
    for (const session of this.sessions.values()) session.writeRaw(raw);
  }
}
