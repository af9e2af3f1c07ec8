// A LogPort that keeps every record, so tests can assert what was logged and how often.
import type { LogPort } from "../../src/log-port.js";

export interface LogRecord {
  level: "debug" | "info" | "warn" | "error";
  obj: Record<string, unknown>;
  msg: string;
}

export class RecordingLog implements LogPort {
  readonly records: LogRecord[] = [];
  debug = this.record("debug");
  info = this.record("info");
  warn = this.record("warn");
  error = this.record("error");

  /** Records at `level` whose message contains `text`. */
  find(level: LogRecord["level"], text: string): LogRecord[] {
    return this.records.filter((r) => r.level === level && r.msg.includes(text));
  }

  private record(level: LogRecord["level"]) {
    return (obj: object, msg: string): void => {
      this.records.push({ level, obj: obj as Record<string, unknown>, msg });
    };
  }
}
