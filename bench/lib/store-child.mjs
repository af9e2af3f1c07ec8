// Child process of bench/store.mjs: one store, one directory of `nodes` nodes, then
// `changes` key changes made durable one at a time (each its own batch: the worst case, a
// NodeInfo now and then). Reports what this process wrote (/proc/self/io wchar: every
// byte handed to write(2)) and its CPU time, per changed key.
//   node store-child.mjs <dist dir> <journal|rewrite> <nodes> <changes> <scratch dir>
// "journal": this tree's store (durable before announced). "rewrite": a store of the
// previous design (dist of ace0e57), whose every write rewrote the whole file; it is
// flushed after each change, which is what making each change durable cost there.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [dist, mode, nodesArg, changesArg, dir] = process.argv.slice(2);
const nodes = Number(nodesArg);
const changes = Number(changesArg);
const load = (file) => import(pathToFileURL(join(dist, file)).href);
const { KeyDirectory } = await load("directory/keys.js");
const { KeyStore } = await load("directory/store.js");
const { keyFields } = await load("directory/record.js");
const { serializeRecords } = await load("directory/store-format.js");

const key = (seed, round = 0) => Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + round * 101 + i * 7 + 1) & 0xff ^ (seed >> 8) & 0xff);
const now = 1_800_000_000;
const records = [];
for (let n = 1; n <= nodes; n++) {
  const num = 0x10000000 + n;
  const fields = keyFields(key(n));
  records.push({
    num, id: `!${num.toString(16)}`, longName: `Node ${n}`, shortName: `N${n % 100}`, ...fields,
    source: "nodedb", origin: "nodedb", firstSeen: now, lastSeen: now, keyChangedAt: null,
    verified: false, ignored: false, pendingKey: null, pendingSource: null, changed: false,
    // The trust fields of a node our radio taught us (the older store ignores them).
    confirmedKey: fields.key, confirmedOrigin: "nodedb", radioKey: fields.key, inRadio: true,
    notes: { rejected: [], former: [], staleNoted: null, conflictNoted: null },
  });
}
const path = join(dir, "keys.json");
writeFileSync(path, serializeRecords(records, now));
const directory = new KeyDirectory({ now: () => now, weakHashes: new Set() });
let store = new KeyStore({ path });
directory.load((await store.load()).records);
if (mode === "journal") {
  directory.useJournal(store);
  store.start(directory);
  await store.flush(); // the first start's compaction: not part of a change
} else {
  store.attach(directory);
}

let round = 1;
async function change(i) {
  const n = (i % nodes) + 1;
  directory.ingest([{ num: 0x10000000 + n, longName: `Node ${n}`, shortName: `N${n % 100}`, key: key(n, round++) }], "packet", "alert");
  if (mode === "journal") await directory.lastChangeAnnounced();
  else await store.flush();
}

function wchar() {
  return Number(/wchar:\s+(\d+)/.exec(readFileSync("/proc/self/io", "utf8"))[1]);
}
function cpuMs() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

for (let i = 0; i < 5; i++) await change(i); // warm-up
const w0 = wchar();
const c0 = cpuMs();
for (let i = 5; i < 5 + changes; i++) await change(i);
const perChange = { bytes: (wchar() - w0) / changes, cpuMs: (cpuMs() - c0) / changes };

let compaction = null;
if (mode === "journal") {
  // The journal is folded into the snapshot once it outgrows it: measure one compaction
  // (a start with journal entries compacts) and spread it over the changes it takes.
  const lineBytes = perChange.bytes;
  await store.stop();
  store = new KeyStore({ path });
  directory.useJournal(store);
  await store.load();
  store.start(directory);
  const w1 = wchar();
  const c1 = cpuMs();
  await store.flush();
  compaction = { bytes: wchar() - w1, cpuMs: cpuMs() - c1 };
  const changesPerCompaction = Math.max(1, Math.max(compaction.bytes, 256 * 1024) / lineBytes);
  perChange.amortised = { bytes: perChange.bytes + compaction.bytes / changesPerCompaction, cpuMs: perChange.cpuMs + compaction.cpuMs / changesPerCompaction };
}
await store.stop();
process.send({ type: "done", nodes, changes, mode, perChange, compaction });
