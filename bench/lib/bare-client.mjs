// The lower bound of a NodeDB refresh: a bare client (net.Socket + our FrameDecoder +
// decodeFromRadio, nothing else: no merge, no MQTT) that sends want_config 69421 and reads
// until config_complete_id. One connection, refreshed as often as asked.
import { Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../dist/protocol/frames.js";
import { NONCE_ONLY_NODES, decodeFromRadio, wantConfig } from "../../dist/protocol/messages.js";
import { nowMs, withTimeout } from "./time.mjs";

export async function openBareClient({ host, port }, timeoutMs = 30_000) {
  const socket = new Socket();
  socket.setNoDelay(true);
  let nodeInfos = 0;
  let onComplete = null;
  const decoder = new FrameDecoder((payload) => {
    const variant = decodeFromRadio(payload).payloadVariant;
    if (variant.case === "nodeInfo") nodeInfos += 1;
    else if (variant.case === "configCompleteId" && variant.value === NONCE_ONLY_NODES) onComplete?.();
  });
  socket.on("data", (chunk) => decoder.push(chunk));
  const closed = new Promise((resolve) => socket.once("close", resolve));
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(port, host, resolve);
  }), timeoutMs, "bare client connect");
  const frame = encodeFrame(wantConfig(NONCE_ONLY_NODES));
  return {
    /** One nodes-only refresh: milliseconds from the write to config_complete_id, and the node infos read. */
    async refresh() {
      nodeInfos = 0;
      const done = new Promise((resolve) => (onComplete = resolve));
      const started = nowMs();
      socket.write(frame);
      await withTimeout(done, timeoutMs, "bare nodes-only refresh");
      return { ms: nowMs() - started, nodeInfos };
    },
    async close() {
      socket.destroy();
      await closed;
    },
  };
}
