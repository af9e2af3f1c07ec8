// One process owns a key store (issue 24, finding 3: two bridges on one store.path lost
// announced keys). In one process the second store is refused; across real processes that
// race for one stale lock exactly one wins and the others name it. The CLI's side (exit 2,
// a killed bridge's lock taken over) is test/integration/faults/store-lock.test.ts.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KeyStore, StoreLockedError } from "../../src/directory/store.js";
import { lockHolder } from "../../src/directory/store-lock.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const child = join(root, "test/fixtures/store/lock-child.mjs");

let dir: string;
let path: string;
const stores: KeyStore[] = [];
const children: ChildProcess[] = [];
beforeAll(() => {
  if (!existsSync(join(root, "dist/directory/store.js"))) throw new Error("dist/ is missing: run `npm run build` before this test");
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "keysync-lock-"));
  path = join(dir, "keys.json");
});
afterEach(async () => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
  for (const store of stores.splice(0)) await store.stop().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

function store(at = path): KeyStore {
  const s = new KeyStore({ path: at, batchMs: 0 });
  stores.push(s);
  return s;
}

/** The pid of a process that has exited: what a SIGKILLed bridge leaves in its lock. */
async function deadPid(): Promise<number> {
  const proc = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => proc.on("exit", resolve));
  return proc.pid as number;
}

describe("the key store's lock", () => {
  it("a second store on the same files is refused, naming the lock and the holder's pid; after stop() it loads", async () => {
    const first = store();
    await first.load();
    expect(await lockHolder(path)).toBe(process.pid);
    const second = store();
    const error = await second.load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreLockedError);
    expect((error as Error).message).toContain(`${path}.lock`);
    expect((error as Error).message).toContain(`pid ${process.pid}`);
    // The same file through a symlink shares the lock.
    await symlink(path, join(dir, "link.json"));
    await expect(store(join(dir, "link.json")).load()).rejects.toBeInstanceOf(StoreLockedError);
    await first.stop();
    expect(existsSync(`${path}.lock`)).toBe(false);
    await second.load();
    expect(await lockHolder(path)).toBe(process.pid);
  });

  it("a lock left by a dead process, or with no readable pid, is taken over; nothing else is left behind", async () => {
    await writeFile(`${path}.lock`, `${await deadPid()}\n`);
    const s = store();
    await s.load();
    expect(await lockHolder(path)).toBe(process.pid);
    await s.stop();
    expect(await readdir(dir)).toEqual([]);
    await writeFile(`${path}.lock`, "");
    const t = store();
    await t.load();
    expect(await readFile(`${path}.lock`, "utf8")).toBe(`${process.pid}\n`);
  });

  it("a failed load lets the lock go; the memory store takes none", async () => {
    await mkdir(join(dir, "sub"));
    await writeFile(join(dir, "sub", "keys.json"), JSON.stringify({ format: "meshtastic-keysync/keys", version: 99, nodes: [] }));
    await expect(store(join(dir, "sub", "keys.json")).load()).rejects.toThrow(/version 99/);
    expect(await readdir(join(dir, "sub"))).toEqual(["keys.json"]);
    await new KeyStore({ path: null }).load();
    expect(await readdir(dir)).toEqual(["sub"]);
  });

  it("processes racing for one stale lock: exactly one wins, every other names the winner", async () => {
    for (let round = 0; round < 3; round++) {
      await writeFile(`${path}.lock`, `${await deadPid()}\n`);
      const procs = Array.from({ length: 4 }, () => spawn(process.execPath, [child, path], { stdio: ["pipe", "pipe", "inherit"] }));
      children.push(...procs);
      const lines = procs.map((p) => createInterface({ input: p.stdout })[Symbol.asyncIterator]());
      const next = async (i: number): Promise<string> => ((await lines[i]!.next()).value as string | undefined) ?? "(closed)";
      expect(await Promise.all(procs.map((_, i) => next(i)))).toEqual(["READY", "READY", "READY", "READY"]);
      for (const p of procs) p.stdin.write("GO\n");
      const answers = await Promise.all(procs.map((_, i) => next(i)));
      const won = answers.filter((a) => a.startsWith("WON "));
      expect(won, answers.join("\n")).toHaveLength(1);
      const winner = Number(won[0]!.split(" ")[1]);
      expect(await lockHolder(path)).toBe(winner);
      for (const a of answers.filter((x) => !x.startsWith("WON "))) expect(a).toMatch(new RegExp(`^LOCKED \\d+ StoreLockedError .*\\(pid ${winner}\\), which holds the lock ${path}\\.lock`));
      await Promise.all(procs.map((p) => new Promise((resolve) => { p.on("exit", resolve); p.stdin.end(); })));
      expect(existsSync(`${path}.lock`)).toBe(false);
    }
  });
});
