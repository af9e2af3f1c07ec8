// One typed request table and one response envelope for `<base>/bridge/request/<command>`
// (CONTRACT.md "Commands"). Each entry validates its argument at the edge and only then calls
// a handler, so a bad payload never changes state; the dispatcher turns whatever a handler
// throws into an error response and never throws itself.
import { decodeRequestPayload, RequestError, type DecodedRequest, type Transaction } from "./payload.js";
import { nodeId, parseNodeId } from "../node-id.js";

export { RequestError } from "./payload.js";

export interface SyncResult {
  checked: number;
  added: number;
  updated: number;
  duration_ms: number;
}

/** What the bridge does for each command; handlers throw (typed) errors for domain failures. */
export interface CommandHandlers {
  sync(): Promise<SyncResult>;
  setInterval(seconds: number): Promise<void> | void;
  setEnabled(on: boolean): Promise<void> | void;
  stats(): object;
  /** Throws when the node is unknown. */
  node(id: string): object;
  acceptKey(id: string): object | Promise<object>;
  forget(id: string): Promise<void> | void;
  send(to: string, text: string): Promise<{ id: number }>;
  /** Pushes our key for a node into the radio (AdminMessage.add_contact); throws when refused. */
  push(id: string): Promise<object>;
}

export type { Transaction } from "./payload.js";

export type CommandResponse =
  | { status: "ok"; data: object; transaction?: Transaction }
  | { status: "error"; error: string; data: Record<string, never>; transaction?: Transaction };

export const INTERVAL_MIN = 30;
export const INTERVAL_MAX = 86_400;
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
  run(handlers: CommandHandlers, arg: A): Promise<object | void> | object | void;
}

// A helper that keeps each table entry's argument type tied to its own handler.
function command<A>(spec: CommandSpec<A>): CommandSpec<unknown> {
  return spec;
}

const nodeCommand = (run: (h: CommandHandlers, id: string) => Promise<object | void> | object | void) =>
  command<string>({ parse: (r) => parseNodeArg(r, "id"), run });

const REQUESTS: Readonly<Record<string, CommandSpec<unknown>>> = {
  // Anything goes: HA's button sends "PRESS", scripts send nothing or {}.
  sync: command<void>({ parse: () => undefined, run: (h) => h.sync() }),
  interval: command<number>({
    parse: (r) => parseInterval(valueArg(r)),
    run: async (h, seconds) => {
      await h.setInterval(seconds);
      return { value: seconds };
    },
  }),
  enabled: command<boolean>({
    parse: (r) => parseEnabled(valueArg(r)),
    run: async (h, on) => {
      await h.setEnabled(on);
      return { value: on };
    },
  }),
  stats: command<void>({ parse: () => undefined, run: (h) => h.stats() }),
  node: nodeCommand((h, id) => h.node(id)),
  accept_key: nodeCommand((h, id) => h.acceptKey(id)),
  forget: nodeCommand(async (h, id) => {
    await h.forget(id);
    return { id };
  }),
  send: command<{ to: string; text: string }>({
    parse: parseSend,
    run: (h, { to, text }) => h.send(to, text),
  }),
  push: nodeCommand((h, id) => h.push(id)),
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
  handlers: CommandHandlers,
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
    const data = (await spec.run(handlers, arg)) ?? {};
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
  if (typeof n !== "number" || !Number.isInteger(n) || n < INTERVAL_MIN || n > INTERVAL_MAX) {
    throw new RequestError(
      `interval must be a whole number of seconds from ${INTERVAL_MIN} to ${INTERVAL_MAX}, got ${describe(value)}`,
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

function parseNodeArg(request: DecodedRequest, key: string): string {
  const { value } = request;
  const raw = isPlainObject(value) ? value[key] : value;
  return checkNodeId(raw, key);
}

function checkNodeId(raw: unknown, field: string): string {
  const num = typeof raw === "string" ? parseNodeId(raw.trim()) : null;
  if (num === null) {
    throw new RequestError(`${field} must be a node id like "!a76f40da", got ${describe(raw)}`);
  }
  return nodeId(num);
}

function parseSend(request: DecodedRequest): { to: string; text: string } {
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

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
