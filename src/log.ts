// Logging: pino on stderr (stdout stays free for command output such as `simulate`'s
// "listening on" line). People at a terminal get one readable line per record; services get
// JSON lines for their log collector.
import pino from "pino";
import PinoPretty from "pino-pretty";

export type Logger = pino.Logger;
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent";

export interface LoggerOptions {
  /** Default: pretty when stderr is a TTY or LOG_FORMAT=pretty; LOG_FORMAT=json forces JSON. */
  format?: "pretty" | "json";
  /** Where records go instead of stderr (tests). */
  destination?: pino.DestinationStream;
  /** Read for LOG_FORMAT; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

// pino's wildcard matches exactly one level, hence one entry per depth. Secrets must not
// reach a log even when someone logs a whole config or a request object.
const SECRET_KEYS = ["password", "secret", "private_key", "privateKey", "token"];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`]);

function chooseFormat(options: LoggerOptions): "pretty" | "json" {
  if (options.format !== undefined) return options.format;
  const wanted = (options.env ?? process.env).LOG_FORMAT;
  if (wanted === "pretty" || wanted === "json") return wanted;
  return process.stderr.isTTY ? "pretty" : "json";
}

export function createLogger(level: LogLevel, options: LoggerOptions = {}): Logger {
  const format = chooseFormat(options);
  // Both streams write synchronously: no worker thread keeps the process alive, and the
  // last record before process.exit() is not lost.
  const stream =
    format === "pretty"
      ? PinoPretty({
          destination: options.destination ?? 2,
          sync: true,
          colorize: options.destination === undefined && process.stderr.isTTY === true,
          singleLine: true,
          translateTime: "SYS:HH:MM:ss.l",
          ignore: "pid,hostname",
        })
      : (options.destination ?? pino.destination({ fd: 2, sync: true }));
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: "***" },
    },
    stream,
  );
}
