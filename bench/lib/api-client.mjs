// A bare Meshtastic TCP client for rows 11 and 12 (net.Socket + FrameDecoder + decodeFromRadio):
// whole handshakes on one connection, the arrival time of every live packet by its id, the
// node_infos sent outside a handshake (row 11's re-read with changes), and
// (row 12) PKI DMs with want_ack and the routing answer to each, by request_id.
import { Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../dist/protocol/frames.js";
import { PortNum, decodeFromRadio, decodeRouting, encodeToRadio, wantConfig } from "../../dist/protocol/messages.js";
import { nowMs, withTimeout } from "./time.mjs";

/** A text DM the radio must PKI-encrypt, with want_ack: the destination's ACK (or an error) comes back as a routing packet. */
export function pkiDm(to, id, text) {
  return encodeToRadio({
    payloadVariant: {
      case: "packet",
      value: { to, id, wantAck: true, pkiEncrypted: true, payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new TextEncoder().encode(text) } } },
    },
  });
}

/** {requestId, code} when `packet` is a routing answer carrying an error reason (0: ACK); else null. */
function routingAnswer(packet) {
  if (packet.payloadVariant.case !== "decoded") return null;
  const data = packet.payloadVariant.value;
  if (data.portnum !== PortNum.ROUTING_APP || data.requestId === 0) return null;
  const routing = decodeRouting(data.payload);
  return routing.variant.case === "errorReason" ? { requestId: data.requestId, code: routing.variant.value } : null;
}

export async function openApiClient({ host, port }, timeoutMs = 60_000) {
  const socket = new Socket();
  socket.setNoDelay(true);
  let onComplete = null;
  let frames = 0;
  /** node_info frames outside handshakes: what the server sent to keep this client current. */
  let nodeInfos = 0;
  let inHandshake = false;
  /** Packet id -> monotonic arrival time. */
  const arrivals = new Map();
  /** Request id -> {at, code}: the first routing answer to that packet (code 0: ACK). */
  const answers = new Map();
  const decoder = new FrameDecoder((payload) => {
    frames += 1;
    const variant = decodeFromRadio(payload).payloadVariant;
    if (variant.case === "packet") {
      const at = nowMs();
      arrivals.set(variant.value.id, at);
      const answer = routingAnswer(variant.value);
      if (answer && !answers.has(answer.requestId)) answers.set(answer.requestId, { at, code: answer.code });
    } else if (variant.case === "nodeInfo" && !inHandshake) nodeInfos += 1;
    else if (variant.case === "configCompleteId") onComplete?.(variant.value);
  });
  socket.on("data", (chunk) => decoder.push(chunk));
  socket.on("error", () => undefined);
  const closed = new Promise((resolve) => socket.once("close", resolve));
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(port, host, resolve);
  }), timeoutMs, "API client connect");
  return {
    arrivals,
    answers,
    get nodeInfos() {
      return nodeInfos;
    },
    /** One whole handshake (a nonce that asks for everything): ms from the write to its config_complete_id, and the frames read. */
    async handshake(nonce) {
      frames = 0;
      const done = new Promise((resolve) => (onComplete = (n) => n === nonce && resolve()));
      const started = nowMs();
      inHandshake = true;
      socket.write(encodeFrame(wantConfig(nonce)));
      await withTimeout(done, timeoutMs, `handshake ${nonce}`);
      inHandshake = false;
      return { ms: nowMs() - started, frames };
    },
    /** Writes a PKI DM with `id` and want_ack to node `to`; its answer lands in `answers`. */
    dm(to, id, text = `bench ${id}`) {
      socket.write(encodeFrame(pkiDm(to, id, text)));
    },
    async close() {
      socket.destroy();
      await closed;
    },
  };
}
