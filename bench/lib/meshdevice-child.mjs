// Child process for row 6: the nodes-only refresh through @meshtastic/core's MeshDevice queue
// (device.sendRaw) versus written straight to the transport, both decoded by MeshDevice;
// then disconnect and let the process end on its own. Prints one JSON line per event on
// stdout: {"result": ...} then {"disconnectedAt": <monotonic ms>}.
import { MeshDevice } from "@meshtastic/core";
import { NONCE_ONLY_NODES, wantConfig } from "../../dist/protocol/messages.js";
import { connectTransport } from "./meshdevice-transport.mjs";
import { nowMs, withTimeout } from "./time.mjs";
import { summary } from "./stats.mjs";

const { host, port, warmup, reps } = JSON.parse(process.argv[2]);
const transport = await connectTransport({ host, port });
const device = new MeshDevice(transport, NONCE_ONLY_NODES);
device.log.settings.minLevel = 7; // above fatal (6): silent

let nodeInfos = 0;
let onComplete = null;
device.events.onFromRadio.subscribe((message) => {
  const variant = message.payloadVariant;
  if (variant.case === "nodeInfo") nodeInfos += 1;
  else if (variant.case === "configCompleteId" && variant.value === NONCE_ONLY_NODES) onComplete?.();
});

const bytes = wantConfig(NONCE_ONLY_NODES);
async function refresh(send) {
  nodeInfos = 0;
  const done = new Promise((resolve) => (onComplete = resolve));
  const started = nowMs();
  send();
  await withTimeout(done, 30_000, "nodes-only refresh through MeshDevice");
  return { ms: nowMs() - started, nodeInfos };
}
async function series(send) {
  const times = [];
  let infos = 0;
  for (let i = 0; i < warmup + reps; i++) {
    const { ms, nodeInfos: n } = await refresh(send);
    if (i >= warmup) times.push(ms);
    infos = n;
  }
  return { ...summary(times), nodeInfos: infos };
}

// Straight to the transport first, so the queue's timers start as late as possible.
const direct = await series(() => {
  const writer = transport.toDevice.getWriter();
  void writer.write(bytes).finally(() => writer.releaseLock());
});
// sendRaw settles only on the queue's 60 s timeout for a want_config: don't wait for it.
const queued = await series(() => void device.sendRaw(bytes).catch(() => undefined));
process.stdout.write(`${JSON.stringify({ result: { direct, queued } })}\n`);
await device.disconnect();
process.stdout.write(`${JSON.stringify({ disconnectedAt: nowMs() })}\n`);
