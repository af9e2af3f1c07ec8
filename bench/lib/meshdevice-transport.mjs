// A minimal @meshtastic/core Transport over our own framing (protocol/frames.ts): toDevice
// takes ToRadio bytes and writes them framed; fromDevice yields {type: "packet", data}.
import { Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../dist/protocol/frames.js";
import { withTimeout } from "./time.mjs";

const DEVICE_CONNECTED = 5; // DeviceStatusEnum.DeviceConnected in @meshtastic/core

export async function connectTransport({ host, port }) {
  const socket = new Socket();
  socket.setNoDelay(true);
  const closed = new Promise((resolve) => socket.once("close", resolve));
  await withTimeout(new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.connect(port, host, resolve);
  }), 10_000, "transport connect");
  let source;
  const fromDevice = new ReadableStream({ start: (controller) => (source = controller) });
  const decoder = new FrameDecoder((payload) => source.enqueue({ type: "packet", data: payload }));
  socket.on("data", (chunk) => decoder.push(chunk));
  socket.once("close", () => {
    try {
      source.close();
    } catch {
      // already closed
    }
  });
  source.enqueue({ type: "status", data: { status: DEVICE_CONNECTED } });
  const toDevice = new WritableStream({
    write: (chunk) => new Promise((resolve, reject) => socket.write(encodeFrame(chunk), (err) => (err ? reject(err) : resolve()))),
  });
  return {
    toDevice,
    fromDevice,
    async disconnect() {
      socket.destroy();
      await closed;
    },
  };
}
