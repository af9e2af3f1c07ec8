// The radio link over a real pseudo-terminal: the simulated radio serves one end of a socat
// pair, a MeshtasticRadio with the real serial transport (serialport) opens the other.
import { MeshtasticRadio, type MeshtasticRadioOptions } from "../../src/radio/meshtastic.js";
import { serialEndpoint } from "../../src/radio/serial.js";
import type { LogPort } from "../../src/log-port.js";
import { SimRadio, type SimRadioOptions } from "../../src/sim/index.js";
import type { SerialLine, SerialLineOptions } from "../../src/sim/serial-line.js";
import { ptyPair, type PtyPair } from "./pty-pair.js";

export interface LogLine {
  level: "debug" | "info" | "warn" | "error";
  msg: string;
  obj: Record<string, unknown>;
}

export interface SerialRig {
  pair: PtyPair;
  sim: SimRadio;
  /** The radio's end as served now (serve() replaces it after a replug). */
  line: SerialLine;
  radio: MeshtasticRadio;
  logs: LogLine[];
  /** What the link and the simulated radio did, with times: printed when a test fails. */
  trace: string[];
  /** Resolves with the first log line (already written ones count) that `match` accepts. */
  logged(match: (line: LogLine) => boolean, ceilingMs?: number): Promise<LogLine>;
  /** Serves the radio's end again (after pair.replug()). */
  serve(): SerialLine;
  /** Another link to the same port, e.g. to find it busy. */
  newRadio(options?: Partial<MeshtasticRadioOptions>): MeshtasticRadio;
  stop(): Promise<void>;
}

export interface SerialRigOptions {
  sim?: SimRadioOptions;
  line?: SerialLineOptions;
  radio?: Partial<MeshtasticRadioOptions>;
}

export function recordingLog(logs: LogLine[], onLine: (line: LogLine) => void = () => undefined): LogPort {
  const at = (level: LogLine["level"]) => (obj: object, msg: string) => {
    const line = { level, msg, obj: obj as Record<string, unknown> };
    logs.push(line);
    onLine(line);
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

function logWaiter(logs: LogLine[]) {
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const onLine = (line: LogLine): void => {
    for (const w of [...waiters]) {
      if (!w.match(line)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  };
  const logged = (match: (line: LogLine) => boolean, ceilingMs = 20_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no such log line within ${ceilingMs} ms`)), ceilingMs);
      waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });
  };
  return { onLine, logged };
}

/** The sim serves its end first: what a radio prints before the port is opened is lost, as on a real one. */
export async function serialRig(options: SerialRigOptions = {}): Promise<SerialRig> {
  const pair = await ptyPair();
  const sim = new SimRadio({ nodes: 20, idleTimeoutMs: 0, ...options.sim });
  const baud = options.line?.baud ?? 115_200;
  const serve = (): SerialLine => sim.serveSerial(pair.radio, { baud, ...options.line });
  const logs: LogLine[] = [];
  const { onLine, logged } = logWaiter(logs);
  const radios: MeshtasticRadio[] = [];
  const started = Date.now();
  const trace: string[] = [];
  const note = (what: string): void => void trace.push(`${Date.now() - started} ms ${what}`);
  for (const event of ["client", "disconnect", "dumpStart", "dump"] as const) sim.on(event, (e: object) => note(`sim ${event} ${JSON.stringify(e)}`));
  const newRadio = (more: Partial<MeshtasticRadioOptions> = {}): MeshtasticRadio => {
    const radio = new MeshtasticRadio({
      endpoint: serialEndpoint({ path: pair.bridge, baud }),
      backoffMinMs: 50,
      backoffMaxMs: 300,
      log: recordingLog(logs, onLine),
      ...options.radio,
      ...more,
    });
    radios.push(radio);
    const n = radios.length;
    radio.on("status", (status) => note(`link ${n} ${JSON.stringify(status)}`));
    return radio;
  };
  const rig: SerialRig = {
    pair,
    sim,
    line: serve(),
    radio: newRadio(),
    logs,
    trace,
    logged,
    serve: () => (rig.line = serve()),
    newRadio,
    stop: async () => {
      const watchdog = setTimeout(() => console.log(`rig.stop() is stuck:\n${trace.join("\n")}`), 20_000);
      for (const radio of radios) await radio.stop();
      note("radios stopped");
      await sim.stop();
      note("sim stopped");
      await pair.close();
      clearTimeout(watchdog);
    },
  };
  return rig;
}
