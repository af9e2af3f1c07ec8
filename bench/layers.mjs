// Row 6: the same nodes-only refresh through @meshtastic/core 2.6.7's MeshDevice queue
// (sendRaw) and written straight to the transport, at 2,000 nodes; and how long a process
// that used MeshDevice takes to exit on its own after disconnect() (ceiling 70 s). The
// refresh times come back at once; the exit is awaited later so other rows run meanwhile.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { track } from "./lib/children.mjs";
import { startSim } from "./lib/setup.mjs";
import { nowMs, withTimeout } from "./lib/time.mjs";

export const LAYERS_PLAN = { nodes: 2000, warmup: 1, reps: 8, exitCeilingMs: 70_000 };
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "lib/meshdevice-child.mjs");

export async function startLayers({ nodes, warmup, reps, exitCeilingMs }) {
  const sim = await startSim("layers", nodes);
  const proc = track(spawn(process.execPath, [child, JSON.stringify({ ...sim.address, warmup, reps })], { stdio: ["ignore", "pipe", "inherit"] }));
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ at: nowMs(), code: code ?? signal })));
  const lines = createInterface({ input: proc.stdout });
  const events = { result: null, disconnectedAt: null };
  const disconnected = new Promise((resolve, reject) => {
    lines.on("line", (line) => {
      const event = JSON.parse(line);
      Object.assign(events, event);
      if (event.disconnectedAt !== undefined) resolve();
    });
    void exited.then(({ code }) => reject(new Error(`the MeshDevice child exited (${code}) before disconnecting`)));
  });
  try {
    await withTimeout(disconnected, 120_000, "MeshDevice refreshes");
  } finally {
    await sim.stop();
  }
  return {
    nodes,
    ...events.result,
    /** Resolves with the time from disconnect() to the process's own exit. */
    exit: (async () => {
      const ceiling = Math.max(0, exitCeilingMs - (nowMs() - events.disconnectedAt));
      try {
        const { at } = await withTimeout(exited, ceiling, "MeshDevice process exit");
        return { ms: Math.round(at - events.disconnectedAt), exitedByItself: true };
      } catch {
        proc.kill("SIGKILL");
        await exited;
        return { ms: exitCeilingMs, exitedByItself: false };
      }
    })(),
  };
}
