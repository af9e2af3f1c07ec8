// Composition root (owned by the lead). Placeholder so the CLI compiles until the bridge is
// assembled: build parts from config, start in order, stop in reverse.
import type { Config } from "./config/schema.js";
import type { Logger } from "./log.js";

export interface AppHandle {
  stop(): Promise<void>;
  done: Promise<void>;
}

export function startApp(
  _config: Config,
  _opts: { logger: Logger; demo: boolean; configPath: string | null },
): Promise<AppHandle> {
  return Promise.reject(new Error("the bridge is not assembled yet"));
}
