// Crash safety: a real child process writing the store is killed with SIGKILL at each
// point of a write; the parent then loads the file. The child runs the built dist/ code
// (`npm test` builds first; alone: npx tsc -p tsconfig.build.json).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KeyStore } from "../../src/directory/store.js";
import { parseDoc } from "./util.js";

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
async function crashAt(point: string, ackFirst: boolean, atPoint: () => Promise<void>): Promise<string[]> {
  const proc = spawn(process.execPath, [child, path, point, ackFirst ? "1" : "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on("exit", (_code, signal) => resolve(signal)));
  const lines: string[] = [];
  for await (const line of createInterface({ input: proc.stdout })) {
    lines.push(line);
    if (line.startsWith("AT ")) {
      await atPoint();
      proc.kill("SIGKILL");
      break;
    }
  }
  const signal = await exited;
  expect(signal, `child: ${lines.join(" | ")} ${stderr}`).toBe("SIGKILL");
  return lines;
}

async function loadNums(): Promise<number[]> {
  const result = await new KeyStore({ path }).load();
  expect(result.warning).toBeNull();
  return result.records.map((r) => r.num);
}

const tmpOf = (name: string) => name.startsWith("keys.json.tmp-");

describe("store crash safety (SIGKILL during a write)", () => {
  it("killed with the temp file incomplete: the acknowledged keys load", async () => {
    const lines = await crashAt("tmp-partial", true, async () => {
      const tmp = (await readdir(dir)).find(tmpOf) as string;
      const partial = await readFile(join(dir, tmp), "utf8");
      expect(() => parseDoc(partial)).toThrow();
    });
    expect(lines).toEqual(["ACK 1,2,3", "AT tmp-partial"]);
    expect(await loadNums()).toEqual([1, 2, 3]);
    expect((await readdir(dir)).filter(tmpOf)).toEqual([]); // leftover temp removed on load
  });

  it("killed between fsync and rename: the old file loads whole", async () => {
    await crashAt("tmp-synced", true, async () => {
      const tmp = (await readdir(dir)).find(tmpOf) as string;
      expect(parseDoc(await readFile(join(dir, tmp), "utf8")).nodes).toHaveLength(4);
    });
    expect(await loadNums()).toEqual([1, 2, 3]);
  });

  it("killed right after rename: the new file loads, with the new key", async () => {
    await crashAt("renamed", true, async () => {
      expect((await readdir(dir)).filter(tmpOf)).toEqual([]);
    });
    expect(await loadNums()).toEqual([1, 2, 3, 4]);
  });

  it("killed during the very first write: no file, an empty directory, no warning", async () => {
    await crashAt("tmp-partial", false, () => Promise.resolve());
    expect(await loadNums()).toEqual([]);
    expect(await readdir(dir)).toEqual([]);
  });
});
