// Child process for row 9's floors: what it costs a Node process just to receive a serial
// nodes-only dump as a 115200-baud line hands it over, in a few hundred small chunks, with
// none of the bridge's work after the bytes. Two ways, each measured as this process's CPU
// (every thread) from the want_config write to the dump's end, and its voluntary context
// switches (one per wake-up):
// - "transport": the bridge's own serial transport (dist/radio/serial.js, reads on the event
//   loop) and FrameDecoder; only frames too short to be a NodeInfo are decoded, to spot
//   config_complete_id.
// - "worker": the least Node can do: a worker thread in a blocking read() loop on the device
//   (node:fs only, no serialport, no event loop), counting bytes up to the dump's size.
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import { closeSync, constants, openSync, readSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
const wakes = () => process.resourceUsage().voluntaryContextSwitches;

if (!isMainThread) {
  // The worker: blocking reads until `bytes` of dump arrived after the request.
  const { path, request, bytes, reps } = workerData;
  const fd = openSync(path, constants.O_RDWR | constants.O_NOCTTY);
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (let i = 0; i < reps; i++) {
    parentPort.postMessage({ type: "start", cpu: cpuMs(), wakes: wakes() });
    writeSync(fd, Buffer.from(request));
    for (let got = 0; got < bytes; ) got += readSync(fd, buffer, 0, buffer.length, null);
    parentPort.postMessage({ type: "end", cpu: cpuMs(), wakes: wakes() });
    // Whatever trails the dump (a heartbeat answer) must not count towards the next one.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  }
  closeSync(fd);
} else {
  const { serveRequests } = await import("./children.mjs");
  const { FrameDecoder, encodeFrame } = await import("../../dist/protocol/frames.js");
  const { NONCE_ONLY_NODES, decodeFromRadio, wantConfig } = await import("../../dist/protocol/messages.js");
  const { openSerial } = await import("../../dist/radio/serial.js");
  const { withTimeout } = await import("./time.mjs");
  const request = encodeFrame(wantConfig(NONCE_ONLY_NODES));

  async function viaTransport({ path, baud, reps }) {
    const transport = await openSerial({ path, baud });
    let onEnd = null;
    const decoder = new FrameDecoder((payload) => {
      if (payload.length >= 16) return; // a NodeInfo: framed, not decoded
      const variant = decodeFromRadio(payload).payloadVariant;
      if (variant.case === "configCompleteId" && variant.value === NONCE_ONLY_NODES) onEnd?.();
    });
    transport.on("data", (chunk) => decoder.push(chunk));
    const out = [];
    try {
      for (let i = 0; i < reps; i++) {
        const ended = new Promise((resolve) => (onEnd = resolve));
        const before = { cpu: cpuMs(), wakes: wakes() };
        transport.write(request);
        await withTimeout(ended, 60_000, "serial floor: dump via the transport");
        out.push({ cpuMs: cpuMs() - before.cpu, wakes: wakes() - before.wakes });
      }
    } finally {
      await transport.close();
    }
    return out;
  }

  async function viaWorker({ path, reps, bytes }) {
    const worker = new Worker(fileURLToPath(import.meta.url), { workerData: { path, request, bytes, reps } });
    const out = [];
    let start = null;
    await withTimeout(
      new Promise((resolve, reject) => {
        worker.on("message", (m) => {
          if (m.type === "start") start = m;
          else out.push({ cpuMs: m.cpu - start.cpu, wakes: m.wakes - start.wakes });
        });
        worker.once("error", reject);
        worker.once("exit", resolve);
      }),
      60_000 * reps,
      "serial floor: dump via a blocking-read worker",
    );
    return out;
  }

  serveRequests({ transport: viaTransport, worker: viaWorker }, () => undefined);
  process.send({ type: "ready" });
}
