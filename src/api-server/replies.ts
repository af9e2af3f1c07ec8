// The FromRadio frames the API server writes on its own, as the firmware would write them
// (PhoneAPI.cpp, Router.cpp): the end of a handshake, a heartbeat's answer, a routing answer,
// a notification saying what the server refused.
import { randomInt } from "node:crypto";
import { PortNum, encodeFromRadio, encodeRoutingError } from "../protocol/messages.js";

/** config_complete_id echoing the client's nonce: the handshake is over. */
export function configComplete(nonce: number): Uint8Array {
  return encodeFromRadio({ payloadVariant: { case: "configCompleteId", value: nonce } });
}

export interface QueueFigures {
  free: number;
  maxlen: number;
}

/** The firmware's TX queue on most boards (MAX_TX_QUEUE), until the radio has reported its own. */
export const DEFAULT_QUEUE: QueueFigures = { free: 16, maxlen: 16 };

/** What a heartbeat is answered with (PhoneAPI.cpp: the queue status, for packet id 0). */
export function queueStatus(queue: QueueFigures): Uint8Array {
  return encodeFromRadio({ payloadVariant: { case: "queueStatus", value: { res: 0, free: queue.free, maxlen: queue.maxlen, meshPacketId: 0 } } });
}

/**
 * A routing answer to the client's packet `requestId`, from our own radio: an ACK (code 0)
 * for what the server absorbed, an error for what it refused.
 */
export function routingAnswer(ownNum: number, requestId: number, code: number): Uint8Array {
  return encodeFromRadio({
    payloadVariant: {
      case: "packet",
      value: {
        from: ownNum,
        to: ownNum,
        id: randomInt(1, 0x7fffffff),
        rxTime: Math.floor(Date.now() / 1000),
        priority: 120, // MeshPacket_Priority.ACK
        payloadVariant: { case: "decoded", value: { portnum: PortNum.ROUTING_APP, requestId, payload: encodeRoutingError(code) } },
      },
    },
  });
}

/** LogRecord.Level WARNING: the level the firmware gives the notifications it shows as warnings. */
const LEVEL_WARNING = 30;

/**
 * A clientNotification (FromRadio) the apps show in their UI and the Python library passes
 * to its listeners: `replyId` names the client's packet it is about.
 */
export function clientNotification(message: string, replyId?: number): Uint8Array {
  const value = { level: LEVEL_WARNING, message, time: Math.floor(Date.now() / 1000), ...(replyId === undefined ? {} : { replyId }) };
  return encodeFromRadio({ payloadVariant: { case: "clientNotification", value } });
}
