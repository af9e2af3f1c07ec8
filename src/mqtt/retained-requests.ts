// A request delivered from the broker's retained store is refused: MQTT sets the retain
// flag only on messages the broker kept [MQTT-3.3.1-9], so a retained `forget`, `interval`
// or `accept_key` (a `mosquitto_pub -r` by mistake, an automation with `retain: true`)
// would otherwise be acted on again at every subscribe, i.e. at every start and reconnect.
import type { CommandResponse } from "./commands.js";
import { decodeRequestPayload, type Transaction } from "./payload.js";
import { parseRequestTopic, type BridgeTopics } from "./topics.js";

export const RETAINED_REQUEST_ERROR =
  "refused: this request came from the broker's retained store (it was published with retain); publish requests without retain. The bridge cleared the retained request.";

/** The error response for a retained request; the transaction is echoed when it can be read. */
export function retainedRequestResponse(payload: Buffer): CommandResponse {
  let transaction: Transaction | undefined;
  try {
    transaction = decodeRequestPayload(payload).transaction;
  } catch {
    // Unreadable: answered without a transaction, like any unreadable request.
  }
  const response: CommandResponse = { status: "error", error: RETAINED_REQUEST_ERROR, data: {} };
  return transaction === undefined ? response : { ...response, transaction };
}

export interface RetainedRequestActions {
  /** Log it (the client names the topic once). */
  refused(topic: string): void;
  /** Publish `response` on the response topic. */
  respond(topic: string, response: CommandResponse): void;
  /** Publish a zero-byte retained message on the request topic: the broker forgets it. */
  clear(topic: string): void;
}

/** Sits where messages arrive, before any handler: requests run only when delivered live. */
export class RetainedRequestGuard {
  /** Request topics we just cleared: our own zero-byte publish comes back and is no request. */
  private readonly cleared = new Set<string>();

  constructor(
    private readonly topics: BridgeTopics,
    private readonly act: RetainedRequestActions,
  ) {}

  /** True when the message was a retained request (refused) or our own clear of one (dropped). */
  intercept(topic: string, payload: Buffer, retain: boolean): boolean {
    const command = parseRequestTopic(this.topics.base, topic);
    if (command === null) return false;
    if (payload.length === 0 && this.cleared.delete(topic)) return true;
    if (!retain) return false;
    this.act.refused(topic);
    this.act.respond(this.topics.response(command), retainedRequestResponse(payload));
    this.cleared.add(topic);
    this.act.clear(topic);
    return true;
  }
}
