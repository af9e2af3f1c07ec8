// Row 8: the cost of making one changed key durable, at 250 and 50,000 nodes: bytes written
// (wchar of the store's process) and CPU per change, each change its own batch. "after" is
// this tree's journal (amortised: with its share of the compaction that folds the journal
// into the snapshot); "before" is the store of the previous design (a whole-file rewrite per
// write), measured when BENCH_STORE_BEFORE names that version's dist/ directory.
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { tempDir } from "./lib/setup.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.resolve(here, "../dist");

export const STORE_PLAN = [
  { nodes: 250, changes: 200, beforeChanges: 100 },
  { nodes: 50_000, changes: 100, beforeChanges: 10 },
];

function runChild(dist, mode, nodes, changes) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, "lib/store-child.mjs"), [dist, mode, String(nodes), String(changes), tempDir(`store-${mode}-${nodes}`)], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
    let result = null;
    child.on("message", (msg) => msg?.type === "done" && (result = msg));
    child.once("exit", (code) => (result ? resolve(result) : reject(new Error(`store child ${mode} ${nodes} exited ${code}`))));
  });
}

export async function measureStore(plan) {
  const before = process.env.BENCH_STORE_BEFORE ? path.resolve(process.env.BENCH_STORE_BEFORE) : null;
  const out = [];
  for (const { nodes, changes, beforeChanges } of plan) {
    const after = await runChild(DIST, "journal", nodes, changes);
    const old = before ? await runChild(before, "rewrite", nodes, beforeChanges) : null;
    out.push({ nodes, after, before: old });
  }
  return out;
}
