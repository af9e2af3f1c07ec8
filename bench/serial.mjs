// Row 8: a nodes-only sync over USB serial, through the real bridge, against the simulated
// radio on the other end of a socat pty pair, its output paced at 115200 baud. Per sync:
// - the bridge process's CPU time (user + system, from the `sync` request to its response),
// - the time from the dump's last byte leaving the simulated line to the bridge's response
//   arriving at an MQTT subscriber (both stamped on CLOCK_MONOTONIC, shared by the processes),
// - the wire time of the dump (bytes x 10 / baud) for scale: the sync itself is that long.
// Beside it the same CPU figure for a TCP sync of the same NodeDB, each with the bridge's
// wake-ups (voluntary context switches) during the sync, and the floors of the serial figure:
// the same dump received by the bridge's transport and framing alone, and by a blocking-read
// loop in a worker thread (lib/serial-floor.mjs), each in a process of its own.
import { ptyPair } from "./lib/pty.mjs";
import { BASE, logFile, startBridge, startSim } from "./lib/setup.mjs";
import { startChild } from "./lib/children.mjs";
import { json, watch } from "./lib/mqtt-watch.mjs";
import { summary } from "./lib/stats.mjs";
import { nowMs } from "./lib/time.mjs";

export const SERIAL_PLAN = { nodes: 250, baud: 115_200, reps: 10, warmup: 1 };

const isStats = (count) => (m) => m.topic === `${BASE}/sync/stats` && (json(m)?.sync_count ?? 0) >= count;

/** Syncs once through MQTT; returns when the response arrived and the bridge's CPU time meanwhile. */
async function syncOnce(bridge, requester, transaction) {
  const before = await bridge.request("cpu");
  const response = requester.next((m) => m.topic === `${BASE}/bridge/response/sync` && json(m)?.transaction === transaction, 60_000, `response ${transaction}`);
  const sentAt = nowMs();
  await requester.publish(`${BASE}/bridge/request/sync`, JSON.stringify({ transaction }));
  const got = await response;
  const after = await bridge.request("cpu");
  const answer = json(got);
  if (answer.status !== "ok") throw new Error(`sync ${transaction} failed: ${answer.error}`);
  return { at: got.at, wallMs: got.at - sentAt, cpuMs: after.ms - before.ms, wakes: after.wakes - before.wakes, checked: answer.data.checked };
}

async function run(name, nodes, radio, sim, { reps, warmup, baud }) {
  const bridge = await startBridge(name, radio);
  try {
    const requester = await watch(bridge.mqtt, [`${BASE}/bridge/response/sync`, `${BASE}/sync/stats`]);
    try {
      await requester.current(isStats(1), 120_000, `${name}: first sync (handshake)`);
      if (radio.serial) await sim.request("serialDumps");
      const cpu = [];
      const wakes = [];
      const bytes = [];
      const afterLastByte = [];
      const wire = [];
      const wall = [];
      for (let i = 0; i < warmup + reps; i++) {
        const sync = await syncOnce(bridge, requester, `${name}-${i}`);
        if (sync.checked < nodes) throw new Error(`${name}: a sync checked ${sync.checked} nodes, expected ${nodes}`);
        const dumps = radio.serial ? await sim.request("serialDumps") : [];
        if (i < warmup) continue;
        cpu.push(sync.cpuMs);
        wakes.push(sync.wakes);
        wall.push(sync.wallMs);
        if (radio.serial) {
          const dump = dumps.at(-1);
          if (!dump) throw new Error(`${name}: the simulator saw no end of the dump`);
          afterLastByte.push(sync.at - dump.lastByteAt);
          wire.push((dump.bytes * 10 * 1000) / baud);
          bytes.push(dump.bytes);
        }
      }
      return {
        cpu: summary(cpu),
        wakes: summary(wakes, 0),
        wall: summary(wall),
        afterLastByte: radio.serial ? summary(afterLastByte) : null,
        wire: radio.serial ? summary(wire, 0) : null,
        bytes: radio.serial ? summary(bytes, 0) : null,
      };
    } finally {
      await requester.close();
    }
  } finally {
    await bridge.stop();
  }
}

/** The same dump received with nothing of the bridge after the bytes: see lib/serial-floor.mjs. */
async function measureFloors(name, path, bytes, { baud, reps, warmup }) {
  const child = await startChild(new URL("./lib/serial-floor.mjs", import.meta.url).pathname, [], { logFile: logFile(`${name}-floor`) });
  try {
    const floors = {};
    for (const mode of ["transport", "worker"]) {
      const runs = await child.request(mode, { path, baud, bytes, reps: warmup + reps }, 120_000 * (warmup + reps));
      const measured = runs.slice(warmup);
      floors[mode] = { cpu: summary(measured.map((r) => r.cpuMs)), wakes: summary(measured.map((r) => r.wakes), 0) };
    }
    return floors;
  } finally {
    await child.stop();
  }
}

export async function measureSerial(plan) {
  const { nodes, baud } = plan;
  const pair = await ptyPair("serial");
  let serial;
  let floors;
  try {
    const sim = await startSim(`serial-${nodes}`, nodes, { serial: { path: pair.radio, baud } });
    try {
      serial = await run(`serial-${nodes}`, nodes, { serial: pair.bridge, baud }, sim, plan);
      floors = await measureFloors(`serial-${nodes}`, pair.bridge, serial.bytes.median, plan);
    } finally {
      await sim.stop();
    }
  } finally {
    await pair.close();
  }
  const tcpSim = await startSim(`serial-tcp-${nodes}`, nodes);
  let tcp;
  try {
    tcp = await run(`serial-tcp-${nodes}`, nodes, tcpSim.address, tcpSim, plan);
  } finally {
    await tcpSim.stop();
  }
  return { nodes, baud, reps: plan.reps, serial, tcp, floors };
}
