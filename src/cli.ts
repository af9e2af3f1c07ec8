// The command line: arguments, exit codes and signals. The only place that calls
// process.exit. Exit codes (CONTRACT.md): 0 clean stop, 1 runtime failure, 2 usage or
// config error.
import { parseArgs } from "node:util";
import { optionHelpLines, parseArgsOptions, type CliOptions } from "./cli-options.js";
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

const OPTIONS = {
  config: { type: "string", short: "c", value: "FILE", help: "the config file to read" },
  help: { type: "boolean", short: "h", help: "show this help" },
  version: { type: "boolean", short: "V", help: "print the version" },
} as const satisfies CliOptions;

/**
 * Reads the arguments after the program name; pure, so the rules are unit-testable.
 * parseArgs splits them into tokens (`-c FILE`, `--config=FILE`, `-hV`); the tokens are
 * judged in order here, so the first problem is the one reported, worded for people.
 */
export function parseCommandLine(argv: readonly string[]): Command {
  if (argv[0] === "simulate") return { kind: "simulate", args: argv.slice(1) };
  const { tokens } = parseArgs({ args: [...argv], options: parseArgsOptions(OPTIONS), strict: false, allowPositionals: true, tokens: true });
  let config: string | undefined;
  for (const token of tokens) {
    const arg = argv[token.index] as string;
    if (token.kind === "positional") {
      const hint = token.value === "simulate" ? " (simulate must come first)" : "";
      return { kind: "usage", message: `unknown command ${token.value}${hint}` };
    }
    if (token.kind === "option-terminator") return { kind: "usage", message: `unknown option ${arg}` };
    // A flag given a value (--help=yes) is not the flag.
    const flag = token.value === undefined;
    if (token.name === "help" && flag) return { kind: "help" };
    if (token.name === "version" && flag) return { kind: "version" };
    if (token.name !== "config") return { kind: "usage", message: `unknown option ${arg}` };
    if (token.value === undefined || token.value === "") return { kind: "usage", message: `${arg} needs a file name` };
    if (config !== undefined) return { kind: "usage", message: "--config given twice" };
    config = token.value;
  }
  return { kind: "run", config };
}

function usage(): string {
  return [
    `Usage: ${NAME} [--config FILE]`,
    `       ${NAME} simulate [--nodes N] [--port P] [--host H] [--serial PATH]`,
    `       ${NAME} export [--config FILE]`,
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
    ...optionHelpLines(OPTIONS, 20),
    "",
    "Commands:",
    "  simulate            run the simulated radio alone (simulate --help for its options)",
    "  export              print the key directory as JSON, for backups (export --help)",
    "",
    "Exit codes: 0 clean stop (SIGINT/SIGTERM/SIGHUP), 1 runtime failure, 2 usage or config error.",
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
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
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
      // e.g. the store's final write failed: its message says how many changes were not saved.
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
  // SIGHUP: a closed terminal or a service manager's stop; the same clean stop.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);
  const crash = (error: unknown): void => {
    logger.fatal({ err: error }, `uncaught error: ${error instanceof Error ? error.message : String(error)}`);
    exit(1);
  };
  process.on("uncaughtException", crash);
  process.on("unhandledRejection", crash);

  try {
    const { startApp } = await import("./app.js");
    app = await startApp(loaded.config, { logger, demo: loaded.source === "demo", configPath: loaded.path, sources: loaded.sources });
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
    if (argv[0] === "export") {
      const { runExport } = await import("./export-command.js");
      const io = { stdout: (text: string) => process.stdout.write(text), stderr: (line: string) => printLine(process.stderr, line), env: process.env, cwd: process.cwd() };
      const code = await runExport(argv.slice(1), io);
      await new Promise((resolve) => process.stdout.write("", resolve)); // all of it out before exit
      return exit(code);
    }
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
