// Reads a command payload: "JSON or a bare value" (CONTRACT.md "Commands"), with the limits
// that keep a hostile or broken publisher from costing us memory or stack.
import { isPlainObject, jsonDepth } from "../json.js";

/** A validation failure: reported to the requester, not logged as a bug. */
export class RequestError extends Error {
  override name = "RequestError";
}

export type Transaction = string | number;

export interface DecodedRequest {
  /** The parsed JSON value, the bare string, or undefined for an empty payload. */
  value: unknown;
  transaction?: Transaction;
}

/** Larger payloads are refused before any parsing: no command needs more than a few bytes. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/** Deeper JSON is refused before JSON.parse; our commands need depth 1. */
export const MAX_JSON_DEPTH = 16;

// fatal: invalid UTF-8 throws instead of silently becoming U+FFFD.
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function decodeRequestPayload(payload: Buffer): DecodedRequest {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new RequestError(`payload of ${payload.length} bytes refused; at most ${MAX_PAYLOAD_BYTES}`);
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new RequestError("payload is not valid UTF-8");
  }
  text = text.trim();
  if (text.length === 0) return { value: undefined };

  let value: unknown;
  const looksJson = /^[[{"]/.test(text);
  if (looksJson && jsonDepth(text) > MAX_JSON_DEPTH) {
    throw new RequestError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels refused`);
  }
  try {
    value = JSON.parse(text);
  } catch {
    // Bare values such as `ON`, `PRESS` or `!a76f40da` are not JSON; text that opens like an
    // object, array or string but does not parse is a broken JSON payload, not a bare value.
    if (looksJson) throw new RequestError("payload is not valid JSON");
    return { value: text };
  }

  if (isPlainObject(value) && "transaction" in value) {
    const { transaction, ...rest } = value;
    if (typeof transaction !== "string" && typeof transaction !== "number") {
      throw new RequestError("transaction must be a string or a number");
    }
    return { value: rest, transaction };
  }
  return { value };
}
