// ToRadio payloads an API client sends, built with protocol/ only.
import { PortNum, decodeRouting, encodeAdmin, encodeToRadio, type FromRadio } from "../../src/protocol/messages.js";

type AdminInit = Parameters<typeof encodeAdmin>[0];

/**
 * A text DM the radio must PKI-encrypt; `publicKey`: the key the client believes (only
 * compared by the radio); `wantAck` false: no routing answer unless the radio fails locally.
 */
export function dm(to: number, id: number, text = "hello", publicKey?: Uint8Array, wantAck = true): Uint8Array {
  return encodeToRadio({
    payloadVariant: {
      case: "packet",
      value: {
        to,
        id,
        wantAck,
        pkiEncrypted: true,
        ...(publicKey ? { publicKey } : {}),
        payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new TextEncoder().encode(text) } },
      },
    },
  });
}

/** An admin message to our own radio. */
export function admin(to: number, id: number, message: AdminInit): Uint8Array {
  return encodeToRadio({
    payloadVariant: {
      case: "packet",
      value: { to, id, wantAck: true, payloadVariant: { case: "decoded", value: { portnum: PortNum.ADMIN_APP, payload: encodeAdmin(message) } } },
    },
  });
}

export function addContact(to: number, id: number, num: number, publicKey: Uint8Array): Uint8Array {
  return admin(to, id, { payloadVariant: { case: "addContact", value: { nodeNum: num, user: { id: `!${num.toString(16).padStart(8, "0")}`, longName: "From the client", publicKey } } } });
}

export function disconnect(): Uint8Array {
  return encodeToRadio({ payloadVariant: { case: "disconnect", value: true } });
}

/** When `frame` is the routing answer to packet `requestId`: its error code (0: ACK); else undefined. */
export function routingCode(frame: FromRadio, requestId: number): number | undefined {
  const v = frame.payloadVariant;
  if (v.case !== "packet" || v.value.payloadVariant.case !== "decoded") return undefined;
  const data = v.value.payloadVariant.value;
  if (data.portnum !== PortNum.ROUTING_APP || data.requestId !== requestId) return undefined;
  const routing = decodeRouting(data.payload);
  return routing.variant.case === "errorReason" ? routing.variant.value : undefined;
}
