// Crash safety: a real child process writing the store is killed with SIGKILL at each
// point of a write (a journal append, a compaction); the parent then loads the files. The
// child runs the built dist/ code (`npm test` builds first; alone: npx tsc -p tsconfig.build.json).
import { spawn } from "node:child_process";
import { existsSync, readFileSync as readSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseDoc } from "./util.js";
import { loadOnce } from "../helpers/store.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const child = join(root, "test/fixtures/store/crash-child.mjs");

let dir: string;
let path: string;
beforeAll(() => {
  if (!existsSync(join(root, "dist/directory/store.js"))) {
    throw new Error("dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does it) before this test");
  }
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keysync-crash-"));
  path = join(dir, "keys.json");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the child until it reports the crash point, inspects the disk there, then SIGKILLs it. */
async function crashAt(point: string, options: { ackFirst?: boolean; compact?: boolean; atPoint?: () => Promise<void> } = {}): Promise<string[]> {
  const args = [child, path, point, options.ackFirst === false ? "0" : "1", options.compact ? "1" : "262144"];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on("exit", (_code, signal) => resolve(signal)));
  const lines: string[] = [];
  for await (const line of createInterface({ input: proc.stdout })) {
    lines.push(line);
    if (line.startsWith("AT ")) {
      await options.atPoint?.();
      proc.kill("SIGKILL");
      break;
    }
  }
  const signal = await exited;
  expect(signal, `child: ${lines.join(" | ")} ${stderr}`).toBe("SIGKILL");
  return lines;
}

async function loadNums(): Promise<number[]> {
  const result = await loadOnce(path);
  expect(result.warning).toBeNull();
  return result.records.map((r) => r.num).sort((a, b) => a - b);
}

const announcedBefore = ["ANNOUNCED 1", "ANNOUNCED 2", "ANNOUNCED 3", "ACK 1,2,3"];
const tmpOf = (name: string): boolean => name.includes(".tmp-");

describe("store crash safety (SIGKILL during a write)", () => {
  it("journal append, killed with the batch half written: node 4 was never announced, and the torn line is dropped", async () => {
    const lines = await crashAt("journal-partial");
    expect(lines).toEqual([...announcedBefore, "AT journal-partial"]);
    expect(await loadNums()).toEqual([1, 2, 3]);
  });

  it("journal append, killed after the fsync and before the announcement: node 4 is kept", async () => {
    const lines = await crashAt("journal-synced");
    expect(lines).toEqual([...announcedBefore, "AT journal-synced"]);
    expect(await loadNums()).toEqual([1, 2, 3, 4]);
  });

  it("compaction, killed with the temp snapshot incomplete: the old snapshot and journal load", async () => {
    const lines = await crashAt("tmp-partial", {
      compact: true,
      atPoint: async () => {
        const tmp = (await readdir(dir)).find(tmpOf) as string;
        expect(() => parseDoc(readSync(join(dir, tmp), "utf8"))).toThrow();
      },
    });
    expect(lines).toEqual([...announcedBefore, "AT tmp-partial"]);
    expect(await loadNums()).toEqual([1, 2, 3]);
    expect((await readdir(dir)).filter(tmpOf)).toEqual([]); // leftover temp removed on load
  });

  it("compaction, killed between fsync and rename: the old snapshot and journal load whole", async () => {
    await crashAt("tmp-synced", {
      compact: true,
      atPoint: async () => {
        const tmp = (await readdir(dir)).find(tmpOf) as string;
        expect(parseDoc(readSync(join(dir, tmp), "utf8")).nodes).toHaveLength(4);
      },
    });
    expect(await loadNums()).toEqual([1, 2, 3]);
  });

  it("compaction, killed after the snapshot's rename, before the new journal: the old journal is ignored, the snapshot has all", async () => {
    await crashAt("renamed", { compact: true });
    expect(await loadNums()).toEqual([1, 2, 3, 4]);
  });

  it("compaction, killed after the new journal replaced the old one: everything loads", async () => {
    await crashAt("journal-reset", { compact: true });
    expect(await loadNums()).toEqual([1, 2, 3, 4]);
    expect((await readFile(`${path}.journal`, "utf8")).split("\n").filter(Boolean)).toHaveLength(1);
  });

  it("killed during the very first write: no file, an empty directory, no warning", async () => {
    await crashAt("tmp-partial", { ackFirst: false });
    expect(await loadNums()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});
