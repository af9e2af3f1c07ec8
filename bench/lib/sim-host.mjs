// Child process: one simulated radio (src/sim, built to dist/sim) on a free loopback port, or
// on the radio's end of a pty pair (options.serial), driven by the bench over IPC. It runs
// apart from the bridge, as a real radio would, so the radio's work does not share the
// bridge's event loop.
import { SimRadio } from "../../dist/sim/index.js";
import { serveRequests } from "./children.mjs";
import { nowMs } from "./time.mjs";

const options = JSON.parse(process.argv[2] ?? "{}");
const sim = new SimRadio({
  host: "127.0.0.1",
  port: 0,
  nodes: options.nodes ?? 250,
  seed: options.seed ?? 1,
  idleTimeoutMs: 0,
  multiClient: options.multiClient ?? false,
});
const address = options.serial ? { serial: options.serial.path } : await sim.start();

// Serial: when the last byte of each nodes-only dump left the line, and how many bytes it was
// (console text off, so the line goes quiet exactly at the dump's end).
const dumps = [];
if (options.serial) {
  const line = sim.serveSerial(options.serial.path, { baud: options.serial.baud, consoleEveryMs: 0 });
  let open = null;
  sim.on("dumpStart", (d) => {
    if (d.kind === "nodesOnly") open = { from: line.bytesOut, written: false };
  });
  // The dump's last frame is queued when "dump" fires; the line goes idle once it is sent.
  sim.on("dump", (d) => {
    if (d.kind === "nodesOnly" && open) open.written = true;
  });
  line.on("idle", () => {
    if (!open?.written) return;
    dumps.push({ lastByteAt: nowMs(), bytes: line.bytesOut - open.from });
    open = null;
  });
}

serveRequests(
  {
    /** New nodes with keys that the radio knows and the client is not told about. */
    addNodesSilently: ({ count }) => sim.addNodesSilently(count).map((n) => ({ num: n.num, id: n.id })),
    /** An undecryptable packet from `num`; returns the monotonic time it was handed to the socket. */
    deliverEncrypted: ({ num }) => {
      const sentAt = nowMs();
      const id = sim.deliverEncrypted(num);
      return { sentAt, id };
    },
    /** The first `count` node numbers of the NodeDB. */
    nodeNums: ({ count }) => sim.db.list().slice(0, count).map((n) => n.num),
    /** New keys for `count` keyed nodes spread evenly over the NodeDB, from the `offset`-th on. */
    rotateKeys: ({ count, offset = 0 }) => {
      const keyed = sim.db.list().filter((n) => n.publicKey !== null);
      const step = keyed.length / count;
      const nums = Array.from({ length: count }, (_, i) => keyed[(Math.floor(i * step) + offset) % keyed.length].num);
      for (const num of nums) sim.rotateKey(num);
      return { rotated: nums.length };
    },
    /** The serial dumps since the last call: [{lastByteAt, bytes}]. */
    serialDumps: () => dumps.splice(0),
    info: () => ({ ownNum: sim.db.own.num, nodes: sim.db.size, keyed: sim.db.list().filter((n) => n.publicKey !== null).length, clients: sim.clients, stats: sim.stats }),
  },
  () => sim.stop(),
);
process.send({ type: "ready", address, nodes: sim.db.size });
