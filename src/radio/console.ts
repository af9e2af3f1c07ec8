// The radio's console on a serial line: the bytes between frames are its debug log as plain
// text (SerialConsole.cpp prints it before the host's first frame, and in 2.7.x afterwards
// too unless debug_log_api_enabled). They are the radio's business, not an error: cut into
// lines, counted, and logged at debug level at a bounded rate, so a chatty radio cannot flood
// the bridge's log. Bytes of frames torn by text land here too: a line that is not all text
// is logged as its size only, so no frame content (a config frame carries the radio's
// private key) ever reaches the log.
import type { LogPort } from "../log-port.js";

/** Longer lines are cut: a line never ended (binary noise) must not grow without bound. */
const MAX_LINE = 300;
/** At most this many lines are logged per window; the rest are counted and summarised. */
const LOG_LINES = 30;
const LOG_WINDOW_MS = 60_000;

// ANSI colour sequences (the firmware's log can carry them), then control characters.
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

export interface ConsoleStats {
  /** Complete lines seen. */
  lines: number;
  bytes: number;
}

export class ConsoleText {
  readonly stats: ConsoleStats = { lines: 0, bytes: 0 };
  private partial: Buffer[] = [];
  private partialLength = 0;
  private readonly decoder = new TextDecoder("utf-8", { fatal: false });

  constructor(private readonly onLine: (line: string) => void) {}

  /** Bytes skipped by the frame reader, in order. The buffer is only read during the call. */
  push(bytes: Buffer): void {
    this.stats.bytes += bytes.length;
    let start = 0;
    for (let nl = bytes.indexOf(0x0a, start); nl !== -1; nl = bytes.indexOf(0x0a, start)) {
      this.take(bytes.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
    if (start < bytes.length) this.take(bytes.subarray(start));
    if (this.partialLength >= MAX_LINE) this.flush();
  }

  private take(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.partial.push(Buffer.from(bytes));
    this.partialLength += bytes.length;
  }

  private flush(): void {
    const raw = Buffer.concat(this.partial, this.partialLength);
    this.partial = [];
    this.partialLength = 0;
    const decoded = this.decoder.decode(raw);
    const line = isText(decoded) ? cleanLine(decoded) : `[${raw.length} bytes that are not text]`;
    if (line === "") return;
    this.stats.lines += 1;
    this.onLine(line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line);
  }
}

/**
 * Console text is valid UTF-8 without control characters (colour codes aside). Frame bytes
 * are neither: a line holding any of them (text torn by a frame, or the reverse) is shown as
 * its size only, whatever text it also holds.
 */
function isText(decoded: string): boolean {
  for (const ch of decoded) {
    const code = ch.codePointAt(0) ?? 0;
    if (code === 0xfffd || (code < 0x20 && ch !== "\t" && ch !== "\r" && ch !== "\u001b") || code === 0x7f) return false;
  }
  return true;
}

export function cleanLine(text: string): string {
  return text.replace(ANSI, "").replace(CONTROL, "").trim();
}

/**
 * Logs console lines at debug level: up to LOG_LINES per LOG_WINDOW_MS; the first line of a
 * new window says how many of the last one were left out.
 */
export class ConsoleLog {
  private windowStart = Number.NEGATIVE_INFINITY;
  private logged = 0;
  private skipped = 0;

  constructor(
    private readonly log: LogPort,
    private readonly where: string,
    private readonly now: () => number = Date.now,
  ) {}

  line(text: string): void {
    const now = this.now();
    if (now - this.windowStart >= LOG_WINDOW_MS) {
      if (this.skipped > 0) this.log.debug({ radio: this.where, skipped: this.skipped }, `radio console: ${this.skipped} more lines not logged`);
      this.windowStart = now;
      this.logged = 0;
      this.skipped = 0;
    }
    if (this.logged >= LOG_LINES) {
      this.skipped += 1;
      return;
    }
    this.logged += 1;
    this.log.debug({ radio: this.where, console: text }, "radio console");
  }
}
