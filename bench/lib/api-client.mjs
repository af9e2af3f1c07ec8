// A bare Meshtastic TCP client for row 10 (net.Socket + FrameDecoder + decodeFromRadio): whole
// handshakes on one connection, and the arrival time of every live packet by its id.
import { Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../dist/protocol/frames.js";
import { decodeFromRadio, wantConfig } from "../../dist/protocol/messages.js";
import { nowMs, withTimeout } from "./time.mjs";

export async function openApiClient({ host, port }, timeoutMs = 60_000) {
  const socket = new Socket();
  socket.setNoDelay(true);
  let onComplete = null;
  let frames = 0;
  /** Packet id -> monotonic arrival time. */
  const arrivals = new Map();
  const decoder = new FrameDecoder((payload) => {
    frames += 1;
    const variant = decodeFromRadio(payload).payloadVariant;
    if (variant.case === "packet") arrivals.set(variant.value.id, nowMs());
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
    /** One whole handshake (a nonce that asks for everything): ms from the write to its config_complete_id, and the frames read. */
    async handshake(nonce) {
      frames = 0;
      const done = new Promise((resolve) => (onComplete = (n) => n === nonce && resolve()));
      const started = nowMs();
      socket.write(encodeFrame(wantConfig(nonce)));
      await withTimeout(done, timeoutMs, `handshake ${nonce}`);
      return { ms: nowMs() - started, frames };
    },
    async close() {
      socket.destroy();
      await closed;
    },
  };
}
