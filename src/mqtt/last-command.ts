// The `bridge/last_command` payload (Home Assistant's "Last command" sensor): the result of
// the last request, whatever its command, on one retained topic. HA entities read one state
// topic each, and refusals on `bridge/response/<command>` were invisible there: a number
// snapped back, a button did nothing. Pure.
import { isPlainObject } from "../json.js";
import { nodeId, parseNodeId } from "../node-id.js";
import type { CommandResponse } from "./commands.js";
import { decodeRequestPayload } from "./payload.js";

export interface LastCommand {
  status: "ok" | "error";
  command: string;
  /** The node the request named (`"!a76f40da"`, `{"id"}`, send's `{"to"}`), else null. */
  node: string | null;
  /** The error response's text, null when ok. */
  error: string | null;
}

export function lastCommandOf(command: string, payload: Buffer, response: CommandResponse): LastCommand {
  return {
    status: response.status,
    command,
    node: requestNode(payload),
    error: response.status === "error" ? response.error : null,
  };
}

/** The node id a request names, canonical; null when it names none or cannot be read. */
function requestNode(payload: Buffer): string | null {
  let value: unknown;
  try {
    value = decodeRequestPayload(payload).value;
  } catch {
    return null;
  }
  const raw = isPlainObject(value) ? (value.id ?? value.to) : value;
  const num = typeof raw === "string" ? parseNodeId(raw.trim()) : null;
  return num === null ? null : nodeId(num);
}
