// The logging surface the parts below the composition root depend on. A pino logger
// satisfies it; tests pass `silentLog` or a recorder.

export interface LogPort {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const ignore = (): void => undefined;
export const silentLog: LogPort = { debug: ignore, info: ignore, warn: ignore, error: ignore };
