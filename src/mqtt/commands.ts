// One typed request table and one response envelope for `<base>/bridge/request/<command>`
// (CONTRACT.md "Commands"). Each entry validates its argument at the edge (node ids become
// numbers here, once) and only then calls the engine, so a bad payload never changes state;
// the dispatcher turns whatever the engine throws into an error response and never throws.
// A new command is one entry below plus the engine method it calls.
import { decodeRequestPayload, RequestError, type DecodedRequest, type Transaction } from "./payload.js";
import { nodeId, parseNodeId } from "../node-id.js";
import type { Engine } from "../sync/engine.js";
import { INTERVAL } from "../sync/interval.js";
import { isPlainObject } from "../json.js";

export { RequestError } from "./payload.js";

export type { Transaction } from "./payload.js";

export type CommandResponse =
  | { status: "ok"; data: object; transaction?: Transaction }
  | { status: "error"; error: string; data: Record<string, never>; transaction?: Transaction };

/**
 * A Meshtastic DATA payload holds 233 bytes (DATA_PAYLOAD_LEN in the firmware's
 * mesh/MeshTypes.h); PKI encryption takes 12 of them for its tag and nonce, and the apps cap
 * text at 200 bytes. Staying at 200 keeps us under every one of those limits.
 */
export const SEND_TEXT_MAX_BYTES = 200;

/** The values the `enabled` command accepts as strings (any case), and what HA's switch sends. */
export const ENABLED_ON = "ON";
export const ENABLED_OFF = "OFF";
/** What Home Assistant's MQTT button sends by default (`payload_press`). */
export const SYNC_PRESS = "PRESS";

interface CommandSpec<A> {
  parse(request: DecodedRequest): A;
  run(engine: Engine, arg: A): Promise<object | void> | object | void;
}

// A helper that keeps each table entry's argument type tied to its own handler.
function command<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec;
}

const nodeCommand = (run: (e: Engine, num: number) => Promise<object | void> | object | void) =>
  command<number>({ parse: (r) => parseNodeArg(r, "id"), run });

const REQUESTS: Readonly<Record<string, CommandSpec<unknown>>> = {
  // Anything goes: HA's button sends "PRESS", scripts send nothing or {}.
  sync: command<void>({ parse: () => undefined, run: (e) => e.manager.sync() }),
  interval: command<number>({
    parse: (r) => parseInterval(valueArg(r)),
    // Answered once saved with the key directory: an error when it could not be.
    run: async (e, seconds) => {
      await e.manager.setInterval(seconds);
      return { value: seconds };
    },
  }),
  enabled: command<boolean>({
    parse: (r) => parseEnabled(valueArg(r)),
    run: async (e, on) => {
      await e.manager.setEnabled(on);
      return { value: on };
    },
  }),
  stats: command<void>({ parse: () => undefined, run: (e) => e.manager.stats() }),
  node: nodeCommand((e, num) => e.keys.node(num)),
  accept_key: nodeCommand((e, num) => e.keys.acceptKey(num)),
  reject_key: nodeCommand((e, num) => e.keys.rejectKey(num)),
  forget: nodeCommand(async (e, num) => {
    await e.keys.forget(num);
    return { id: nodeId(num) };
  }),
  send: command<{ to: number; text: string }>({
    parse: parseSend,
    run: (e, { to, text }) => e.sender.send(to, text),
  }),
  push: command<{ num: number; verify: boolean }>({
    parse: parsePush,
    run: (e, { num, verify }) => e.pusher.push(num, { verify }),
  }),
};

/** Every command name, e.g. for documentation and tests. */
export const COMMANDS: readonly string[] = Object.keys(REQUESTS);

export interface HandleRequestOptions {
  /** Called with errors that are not RequestErrors (bugs or domain failures) for logging. */
  onError?: (error: unknown, command: string) => void;
}

/**
 * Answers one request. Never rejects: validation failures, unknown commands and handler
 * errors all become `{status: "error", ...}`; the transaction is echoed whenever the payload
 * could be read far enough to find it.
 */
export async function handleRequest(
  command: string,
  payload: Buffer,
  engine: Engine,
  options: HandleRequestOptions = {},
): Promise<CommandResponse> {
  let transaction: Transaction | undefined;
  try {
    const request = decodeRequestPayload(payload);
    transaction = request.transaction;
    const spec = Object.hasOwn(REQUESTS, command) ? REQUESTS[command] : undefined;
    if (spec === undefined) {
      throw new RequestError(`unknown command "${command}"; known: ${COMMANDS.join(", ")}`);
    }
    const arg = spec.parse(request);
    const data = (await spec.run(engine, arg)) ?? {};
    return withTransaction({ status: "ok", data }, transaction);
  } catch (error) {
    if (!(error instanceof RequestError)) options.onError?.(error, command);
    const message = error instanceof Error ? error.message : String(error);
    return withTransaction({ status: "error", error: message || "failed", data: {} }, transaction);
  }
}

function withTransaction<R extends CommandResponse>(response: R, transaction?: Transaction): R {
  return transaction === undefined ? response : { ...response, transaction };
}

/** The argument of `600` / `{"value": 600}` forms. */
function valueArg(request: DecodedRequest): unknown {
  const { value } = request;
  // An object without "value" goes through as is, for the parser to reject with its message.
  return isPlainObject(value) && Object.hasOwn(value, "value") ? value.value : value;
}

function parseInterval(value: unknown): number {
  const n = typeof value === "string" && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < INTERVAL.min || n > INTERVAL.max) {
    throw new RequestError(
      `interval must be a whole number of seconds from ${INTERVAL.min} to ${INTERVAL.max}, got ${describe(value)}`,
    );
  }
  return n;
}

function parseEnabled(value: unknown): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const word = value.trim().toUpperCase();
    if (word === "TRUE" || word === ENABLED_ON) return true;
    if (word === "FALSE" || word === ENABLED_OFF) return false;
  }
  throw new RequestError(`enabled must be true, false, "ON" or "OFF", got ${describe(value)}`);
}

function parseNodeArg(request: DecodedRequest, key: string): number {
  const { value } = request;
  const raw = isPlainObject(value) ? value[key] : value;
  return checkNodeId(raw, key);
}

function checkNodeId(raw: unknown, field: string): number {
  const num = typeof raw === "string" ? parseNodeId(raw.trim()) : null;
  if (num === null) {
    throw new RequestError(`${field} must be a node id like "!a76f40da", got ${describe(raw)}`);
  }
  return num;
}

/** `"!a76f40da"`, `{"id": "!a76f40da"}` or `{"id": "!a76f40da", "verify": true}`. */
function parsePush(request: DecodedRequest): { num: number; verify: boolean } {
  const num = parseNodeArg(request, "id");
  const { value } = request;
  const verify = isPlainObject(value) && Object.hasOwn(value, "verify") ? value.verify : false;
  if (typeof verify !== "boolean") throw new RequestError(`verify must be true or false, got ${describe(verify)}`);
  return { num, verify };
}

function parseSend(request: DecodedRequest): { to: number; text: string } {
  const { value } = request;
  if (!isPlainObject(value)) throw new RequestError('send expects {"to": "!a76f40da", "text": "..."}');
  const to = checkNodeId(value.to, "to");
  const { text } = value;
  if (typeof text !== "string" || text.length === 0) {
    throw new RequestError("text must be a non-empty string");
  }
  const bytes = Buffer.byteLength(text, "utf8");
  if (bytes > SEND_TEXT_MAX_BYTES) {
    throw new RequestError(`text is ${bytes} bytes of UTF-8; at most ${SEND_TEXT_MAX_BYTES} fit in one message`);
  }
  return { to, text };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
