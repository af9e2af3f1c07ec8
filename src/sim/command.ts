// `meshtastic-keysync simulate`: the simulated radio alone, for trying clients without
// hardware (CONTRACT.md). First stdout line: `listening on HOST:PORT` (with --serial:
// `listening on serial PATH (BAUD baud)`); logs go to stderr.
// Exit codes: 0 after a clean stop, 2 on a usage error, 1 when the port cannot be had.
import { parseArgs } from "node:util";
import { optionHelpLines, parseArgsOptions, type CliOptions } from "../cli-options.js";
import { nodeId } from "../node-id.js";
import type { SimRadioOptions } from "./options.js";
import { SIM_DEFAULTS } from "./options.js";
import { SimRadio } from "./radio.js";

export interface SimulateIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const MAX_NODES = 100_000;
const DEMO_EVERY_MS = 15_000;
/** A debug line on the serial console this often, as a radio with debug logging prints. */
const CONSOLE_EVERY_MS = 1_500;

const OPTIONS = {
  host: { type: "string", value: "H", help: `address to listen on (default ${SIM_DEFAULTS.host})` },
  port: { type: "string", value: "P", help: `TCP port, 0 for any free port (default ${SIM_DEFAULTS.port})` },
  nodes: { type: "string", value: "N", help: `other nodes in the generated NodeDB, 0..${MAX_NODES} (default ${SIM_DEFAULTS.nodes})` },
  seed: { type: "string", value: "S", help: `seed of the generated mesh, same seed same mesh (default ${SIM_DEFAULTS.seed})` },
  capacity: {
    type: "string",
    value: "C",
    help: [
      "NodeDB capacity, own node included, at least --nodes + 1; a full NodeDB evicts",
      `as firmware does; no limit above ${SIM_DEFAULTS.capacity - 1} nodes (default ${SIM_DEFAULTS.capacity})`,
    ],
  },
  "multi-client": {
    type: "boolean",
    help: ["behave like a multi-client proxy: a new client does not", "force-close the previous one (default off: one client at a time)"],
  },
  "firmware-2.8": {
    type: "boolean",
    help: [
      "firmware 2.8 as measured on a 2.8.0 build: node numbers crc32(key),",
      "a re-flash is a new node, signed NodeInfos, cached position/telemetry",
      "replayed after every want_config but 69420 (default off: 2.7.26)",
    ],
  },
  latency: { type: "boolean", help: "answer after the delays measured on a real radio (default off)" },
  "no-time-source": { type: "boolean", help: "a radio without GPS, NTP or phone time: last_heard and rx_time 0 (default off)" },
  "firmware-version": {
    type: "string",
    value: "V",
    help: `firmware version reported in metadata (default ${SIM_DEFAULTS.firmwareVersion}, ${SIM_DEFAULTS.firmwareVersion28} with --firmware-2.8)`,
  },
  demo: {
    type: "boolean",
    help: ["now and then add a node silently, deliver NodeInfos, re-flash a node", `(every ${DEMO_EVERY_MS / 1000} s; default off)`],
  },
  serial: {
    type: "string",
    value: "PATH",
    help: [
      "serve a serial port instead of TCP: PATH is one end of a pseudo-",
      "terminal pair, the client opens the other; make the pair with",
      "socat -d -d pty,raw,echo=0,link=/tmp/radio-sim pty,raw,echo=0,link=/tmp/radio",
      "(then --serial /tmp/radio-sim, and radio.serial: /tmp/radio)",
    ],
  },
  baud: { type: "string", value: "N", help: "the serial line's rate: output is paced to it (default 115200)" },
  "tear-every": {
    type: "string",
    value: "N",
    help: ["one in N console lines lands inside a frame, tearing it, as 2.7", "firmware's unlocked log writes do; 0: never (default 20)"],
  },
  help: { type: "boolean", short: "h", help: "show this help" },
} as const satisfies CliOptions;

export const SIMULATE_HELP = [
  "Usage: meshtastic-keysync simulate [options]",
  "",
  "Runs a simulated Meshtastic radio (TCP API, or a serial port with --serial; firmware",
  "2.7.26 behaviour, 2.8.0 with --firmware-2.8) for trying clients without hardware.",
  "Prints `listening on HOST:PORT` (with --serial: `listening on serial PATH (BAUD baud)`)",
  "first; logs go to stderr.",
  "",
  "Options:",
  ...optionHelpLines(OPTIONS, 22),
  "",
  "Exit codes: 0 on a clean stop (SIGINT/SIGTERM/SIGHUP), 2 on a usage error, 1 on a runtime",
  "failure such as a port already in use.",
].join("\n");

class UsageError extends Error {}

interface SimulateArgs {
  help: boolean;
  demo: boolean;
  options: SimRadioOptions;
  serial: { path: string; baud: number; tearEvery: number } | null;
}

export function parseSimulateArgs(argv: string[]): SimulateArgs {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, strict: true, allowPositionals: false, options: parseArgsOptions(OPTIONS) }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const host = values.host ?? SIM_DEFAULTS.host;
  if (host === "") throw new UsageError("--host must not be empty");
  const nodes = integer("--nodes", values.nodes, SIM_DEFAULTS.nodes, 0, MAX_NODES);
  const options: SimRadioOptions = {
    host,
    port: integer("--port", values.port, SIM_DEFAULTS.port, 0, 65_535),
    nodes,
    seed: integer("--seed", values.seed, SIM_DEFAULTS.seed, 0, 0xffff_ffff),
    ...(values.capacity === undefined ? {} : { capacity: integer("--capacity", values.capacity, SIM_DEFAULTS.capacity, nodes + 1, MAX_NODES + 1) }),
    multiClient: values["multi-client"] ?? false,
    firmware28: values["firmware-2.8"] ?? false,
    ...(values["firmware-version"] === undefined ? {} : { firmwareVersion: values["firmware-version"] }),
    latency: values.latency ?? false,
    noTimeSource: values["no-time-source"] ?? false,
  };
  if (values.serial === "") throw new UsageError("--serial needs a path");
  const serial = values.serial === undefined
    ? null
    : { path: values.serial, baud: integer("--baud", values.baud, 115_200, 1_200, 4_000_000), tearEvery: integer("--tear-every", values["tear-every"], 20, 0, 1_000_000) };
  return { help: values.help ?? false, demo: values.demo ?? false, options, serial };
}

function integer(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new UsageError(`${name} must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

export async function runSimulate(argv: string[], io: SimulateIo, signal: AbortSignal): Promise<number> {
  let args: SimulateArgs;
  try {
    args = parseSimulateArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr(`simulate: ${err.message}`);
    io.stderr("Run `meshtastic-keysync simulate --help` for the options.");
    return 2;
  }
  if (args.help) {
    for (const line of SIMULATE_HELP.split("\n")) io.stdout(line);
    return 0;
  }
  if (signal.aborted) return 0;

  const radio = new SimRadio(args.options);
  logEvents(radio, io);
  const stopped = new AbortController();
  if (args.serial) {
    const { path, baud, tearEvery } = args.serial;
    try {
      const line = radio.serveSerial(path, { baud, tearEvery, consoleEveryMs: CONSOLE_EVERY_MS });
      line.once("close", () => {
        if (!signal.aborted) io.stderr(`[sim] the serial line ${path} went away (its pty pair ended)`);
        stopped.abort();
      });
    } catch (err) {
      io.stderr(`simulate: cannot open ${path}: ${(err as Error).message} (make a pty pair first, see --help)`);
      return 1;
    }
    io.stdout(`listening on serial ${path} (${baud} baud)`);
  } else {
    let address: { host: string; port: number };
    try {
      address = await radio.start();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      const where = `${args.options.host ?? SIM_DEFAULTS.host}:${args.options.port ?? SIM_DEFAULTS.port}`;
      io.stderr(code === "EADDRINUSE" ? `simulate: ${where} is already in use` : `simulate: cannot listen on ${where}: ${String(err)}`);
      return 1;
    }
    io.stdout(`listening on ${address.host}:${address.port}`);
  }
  io.stderr(`[sim] radio ${nodeId(radio.ownNode.num)} with ${radio.nodes.size} nodes (seed ${args.options.seed ?? SIM_DEFAULTS.seed})`);
  if (args.demo) {
    radio.startDemo({
      everyMs: DEMO_EVERY_MS,
      onStep: (step) => io.stderr(`[sim] demo: ${step.kind} ${nodeId(step.num)}`),
      onError: (err) => io.stderr(`[sim] demo step failed: ${String(err)}`),
    });
  }

  const ended = AbortSignal.any([signal, stopped.signal]);
  await new Promise<void>((resolve) => {
    if (ended.aborted) resolve();
    else ended.addEventListener("abort", () => resolve(), { once: true });
  });
  await radio.stop();
  io.stderr("[sim] stopped");
  return signal.aborted ? 0 : 1;
}

function logEvents(radio: SimRadio, io: SimulateIo): void {
  const log = (line: string): void => io.stderr(`[sim] ${line}`);
  radio.on("client", (e) => log(`client ${e.session} connected from ${e.remote}`));
  radio.on("forceClose", (e) => log(`force-closing client ${e.session}: another client connected`));
  radio.on("disconnect", (e) => log(`client ${e.session} gone: ${e.reason}`));
  radio.on("dump", (e) => log(`client ${e.session}: want_config ${e.nonce} answered (${e.kind}, ${e.nodes} nodes)`));
  radio.on("heartbeat", (e) => {
    if (e.nonce !== 0) log(`client ${e.session}: heartbeat with nonce ${e.nonce} (clients should send 0)`);
  });
  radio.on("packetFromClient", (r) => {
    const answer = r.answer ? `answered ${r.answer.error === 0 ? "ACK" : `error ${r.answer.error}`}` : "no answer";
    log(`client ${r.session}: packet ${r.packet.id} to ${nodeId(r.packet.to)}, ${answer}`);
  });
  radio.on("admin", (e) => log(`client ${e.session}: admin ${e.kind}`));
  radio.on("frameRefused", (e) => log(`client ${e.session}: refused ${e.count} frame(s): ${e.reason}`));
  radio.on("dropped", (e) => log(`dropped a packet from ${nodeId(e.from)}: ${e.reason}`));
}
