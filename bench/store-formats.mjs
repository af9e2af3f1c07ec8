// The comparison behind the store's format (not part of `npm run bench`: LMDB is not a
// dependency). Same workload as row 8: a directory of N nodes, then changed keys made
// durable one at a time; bytes handed to write(2) (wchar) and CPU per change.
//   LMDB_MODULE=/path/to/node_modules/lmdb/index.js node bench/store-formats.mjs
// (e.g. `npm install --ignore-scripts lmdb` in a scratch directory: its prebuilt binaries
// come as optional packages, no install script needed.)
import { readFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const lmdbPath = process.env.LMDB_MODULE;
if (!lmdbPath) throw new Error("set LMDB_MODULE to lmdb/index.js");
const { open } = await import(pathToFileURL(lmdbPath).href);

const wchar = () => Number(/wchar:\s+(\d+)/.exec(readFileSync("/proc/self/io", "utf8"))[1]);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const key = (seed, round = 0) => Buffer.from(Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + round * 101 + i * 7 + 1) & 0xff)).toString("base64");
// The same fields the JSON store keeps per node, so both hold the same data.
const node = (n, round = 0) => ({ num: 0x10000000 + n, id: `!${(0x10000000 + n).toString(16)}`, long_name: `Node ${n}`, short_name: `N${n % 100}`, key: key(n, round), source: "packet", first_seen: 1_800_000_000, last_seen: 1_800_000_000, key_changed_at: 1_800_000_000, verified: false, ignored: false, changed: true, pending_key: null, pending_source: null });

async function measure(nodes, changes) {
  const dir = mkdtempSync(join(tmpdir(), "keysync-lmdb-"));
  try {
    const db = open({ path: join(dir, "keys.mdb"), encoding: "json" }); // default: durable commits (fsync)
    db.transactionSync(() => {
      for (let n = 1; n <= nodes; n++) db.putSync(n, node(n));
    });
    for (let i = 0; i < 5; i++) await db.put((i % nodes) + 1, node((i % nodes) + 1, i + 1));
    const w0 = wchar();
    const c0 = cpuMs();
    for (let i = 5; i < 5 + changes; i++) await db.put((i % nodes) + 1, node((i % nodes) + 1, i + 1));
    const result = { nodes, changes, bytes: (wchar() - w0) / changes, cpuMs: (cpuMs() - c0) / changes };
    await db.close();
    result.fileBytes = statSync(join(dir, "keys.mdb")).size;
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const [nodes, changes] of [[250, 200], [50_000, 100]]) {
  const r = await measure(nodes, changes);
  process.stdout.write(`lmdb, ${nodes} nodes: ${Math.round(r.bytes)} B and ${r.cpuMs.toFixed(2)} ms CPU per changed key (n=${changes}); file ${(r.fileBytes / 2 ** 20).toFixed(1)} MiB\n`);
}
