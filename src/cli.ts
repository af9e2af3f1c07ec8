// The command line: arguments, exit codes and signals. The only place that calls
// process.exit. Exit codes (CONTRACT.md): 0 clean stop, 1 runtime failure, 2 usage or
// config error.
import { packageVersion } from "./version.js";
import type { AppHandle } from "./app.js";
import { optionsHelp } from "./config/help.js";
import { ConfigError, formatProblem, loadConfig, type LoadedConfig } from "./config/load.js";
import { createLogger, type Logger } from "./log.js";

const NAME = "meshtastic-keysync";

export type Command =
  | { kind: "run"; config: string | undefined }
  | { kind: "simulate"; args: string[] }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "usage"; message: string };

/** Reads the arguments after the program name; pure, so the rules are unit-testable. */
export function parseCommandLine(argv: readonly string[]): Command {
  if (argv[0] === "simulate") return { kind: "simulate", args: argv.slice(1) };
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "-V" || arg === "--version") return { kind: "version" };
    if (arg === "-c" || arg === "--config" || arg.startsWith("--config=")) {
      const value = arg.startsWith("--config=") ? arg.slice("--config=".length) : argv[++i];
      if (value === undefined || value === "") return { kind: "usage", message: `${arg} needs a file name` };
      if (config !== undefined) return { kind: "usage", message: "--config given twice" };
      config = value;
    } else if (arg.startsWith("-")) {
      return { kind: "usage", message: `unknown option ${arg}` };
    } else {
      const hint = arg === "simulate" ? " (simulate must come first)" : "";
      return { kind: "usage", message: `unknown command ${arg}${hint}` };
    }
  }
  return { kind: "run", config };
}

function usage(): string {
  return [
    `Usage: ${NAME} [--config FILE]`,
    `       ${NAME} simulate [--nodes N] [--port P] [--host H] [--serial PATH]`,
    "",
    "Keeps a Meshtastic radio's public keys in sync and reports them over MQTT, with Home",
    "Assistant discovery. Without --config, ./config.yaml is read if it exists; with no config",
    "file at all the demo runs: the simulated radio, the embedded MQTT broker and a key",
    "directory in memory only.",
    "",
    "The radio is reached over TCP (radio.host, port 4403) or, for a radio on USB, over its",
    "serial port (radio.serial: a /dev/serial/by-id/... path; the user needs the dialout",
    "group; the radio's serial API must be on). Set exactly one of the two.",
    "",
    "Options:",
    "  -c, --config FILE   the config file to read",
    "  -h, --help          show this help",
    "  -V, --version       print the version",
    "",
    "Commands:",
    "  simulate            run the simulated radio alone (simulate --help for its options)",
    "",
    "Exit codes: 0 clean stop (SIGINT/SIGTERM), 1 runtime failure, 2 usage or config error.",
    "Logs go to stderr: one line per record on a terminal, JSON lines otherwise",
    "(LOG_FORMAT=pretty or LOG_FORMAT=json chooses).",
    "",
    optionsHelp(),
  ].join("\n");
}

function printLine(stream: NodeJS.WriteStream, line: string): void {
  stream.write(`${line}\n`);
}

function exit(code: number): never {
  process.exit(code);
}

function configFailure(error: ConfigError): never {
  for (const problem of error.problems) printLine(process.stderr, `${NAME}: config error: ${formatProblem(problem)}`);
  return exit(2);
}

/** A startup failure in one line; a port in use is the common case worth naming. */
function startupMessage(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e?.code === "EADDRINUSE") {
    const where = e.port === undefined ? "a port" : `${e.address ?? ""}:${e.port}`;
    return `cannot start: ${where} is already in use (another instance, or another broker?)`;
  }
  return `cannot start: ${error instanceof Error ? error.message : String(error)}`;
}

async function simulate(args: string[]): Promise<never> {
  const { runSimulate } = await import("./sim/command.js");
  const controller = new AbortController();
  const onSignal = (): void => {
    if (controller.signal.aborted) exit(1); // a second signal: stop waiting
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const io = { stdout: (line: string) => printLine(process.stdout, line), stderr: (line: string) => printLine(process.stderr, line) };
  return exit(await runSimulate(args, io, controller.signal));
}

function describeStart(loaded: LoadedConfig): string {
  const { config, source, path } = loaded;
  const radio = config.radio.serial !== undefined
    ? `radio on ${config.radio.serial} at ${config.radio.baud} baud`
    : `radio ${config.radio.host}${config.radio.host === "simulator" ? "" : `:${config.radio.port}`}`;
  const broker = config.mqtt.server ?? `embedded broker on ${config.embedded_broker.host}:${config.embedded_broker.port}`;
  if (source === "demo") {
    return `${NAME} ${packageVersion()}: no config file, running the demo (${radio}, ${broker}, keys in memory only); copy config.yaml.sample to config.yaml for a real radio`;
  }
  return `${NAME} ${packageVersion()}: config from ${path ?? "the environment"} (${radio}, ${broker})`;
}

async function runBridge(configFile: string | undefined): Promise<void> {
  let loaded: LoadedConfig;
  try {
    loaded = loadConfig({ path: configFile, env: process.env, cwd: process.cwd() });
  } catch (error) {
    if (error instanceof ConfigError) configFailure(error);
    throw error;
  }
  const logger: Logger = createLogger(loaded.config.log_level);
  for (const warning of loaded.warnings) logger.warn(warning);
  logger.info(describeStart(loaded));

  let app: AppHandle | undefined;
  let stopRequested = false;
  const stop = async (handle: AppHandle): Promise<never> => {
    try {
      await handle.stop();
      logger.info("stopped");
      return exit(0);
    } catch (error) {
      logger.error({ err: error }, `stopping failed: ${error instanceof Error ? error.message : String(error)}`);
      return exit(1);
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopRequested) {
      logger.warn(`${signal} again: exiting without a clean stop`);
      exit(1);
    }
    stopRequested = true;
    logger.info(`${signal}: stopping`);
    if (app !== undefined) void stop(app);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const crash = (error: unknown): void => {
    logger.fatal({ err: error }, `uncaught error: ${error instanceof Error ? error.message : String(error)}`);
    exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);

  try {
    const { startApp } = await import("./app.js");
    app = await startApp(loaded.config, { logger, demo: loaded.source === "demo", configPath: loaded.path });
  } catch (error) {
    // e.g. a store file written by a newer version: a config problem, not a crash
    if (error instanceof ConfigError) configFailure(error);
    logger.debug({ err: error }, "startup failure");
    logger.fatal(startupMessage(error));
    exit(1);
  }
  if (stopRequested) {
    await stop(app);
    return;
  }
  app.done.then(
    () => {
      if (stopRequested) return; // stop() decides the exit code
      logger.info("the bridge stopped by itself");
      exit(0);
    },
    (error: unknown) => {
      if (!stopRequested) crash(error);
    },
  );
}

export async function main(argv: string[]): Promise<void> {
  try {
    const command = parseCommandLine(argv);
    switch (command.kind) {
      case "help":
        printLine(process.stdout, usage());
        return exit(0);
      case "version":
        printLine(process.stdout, packageVersion());
        return exit(0);
      case "usage":
        printLine(process.stderr, `${NAME}: ${command.message}\nRun ${NAME} --help for usage.`);
        return exit(2);
      case "simulate":
        return await simulate(command.args);
      case "run":
        return await runBridge(command.config);
    }
  } catch (error) {
    printLine(process.stderr, `${NAME}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    exit(1);
  }
}
