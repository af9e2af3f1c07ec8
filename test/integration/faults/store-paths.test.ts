// store.path as users get it wrong, and a disk that fills up: the real CLI (bin/ → dist/,
// built by `npm test`). A store.path that cannot hold the store is a config error naming it
// (exit 2), found at start; a stop whose final write fails exits 1 saying how much was lost.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { SimRadio } from "../../../src/sim/index.js";
import { assertBuilt, cleanEnv, run, start, waitForStderr, type Finished } from "../../cli/run.js";
import { NOBODY, cliForNobody } from "../../helpers/nobody.js";
import { loadOnce } from "../../helpers/store.js";

const root = process.getuid?.() === 0;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "keysync-paths-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeConfig(dir: string, storePath: string, radio: object = { host: "simulator" }): string {
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify({ radio, embedded_broker: { port: 0 }, store: { path: storePath }, log_level: "info" }));
  return file;
}

/** The CLI as an unprivileged user: as root, every directory is writable. */
function runAsNobody(args: string[], cwd: string): Promise<Finished> {
  const { node, bin } = cliForNobody();
  const child = spawn("setpriv", [...NOBODY, node, bin, ...args], { cwd, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

describe("store.path", () => {
  beforeAll(() => assertBuilt());

  it("naming a directory: exit 2, a config error naming store.path", async () => {
    const dir = scratch();
    const result = await run(["--config", writeConfig(dir, dir)], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/config error: store\.path: .* is a directory/);
  });

  it("a file in a missing directory: exit 2 naming store.path, nothing created", async () => {
    const dir = scratch();
    const result = await run(["--config", writeConfig(dir, join(dir, "not-mounted", "keys.json"))], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/config error: store\.path: the directory .*not-mounted of .* does not exist/);
    expect(existsSync(join(dir, "not-mounted"))).toBe(false);
  });

  it.runIf(root)("a file in a directory this user cannot write: exit 2 naming store.path", async () => {
    const dir = scratch();
    chmodSync(dir, 0o755);
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o755 }); // owned by root
    const config = writeConfig(dir, join(locked, "keys.json"));
    chmodSync(config, 0o644);
    const result = await runAsNobody(["--config", config], dir);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/config error: store\.path: the directory .*locked of .* is not writable/);
  });
});

describe("a stop whose final write fails", () => {
  beforeAll(() => assertBuilt());

  // A full disk, for real: a small tmpfs (mounting needs root).
  it.runIf(root)("exits 1 and says how many changed nodes were not saved", async () => {
    const dir = scratch();
    const disk = join(dir, "disk");
    mkdirSync(disk);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=128k", "tmpfs", disk]);
    cleanups.push(() => void execFileSync("umount", ["-l", disk]));
    const sim = new SimRadio({ port: 0, nodes: 10 });
    await sim.start();
    cleanups.push(() => sim.stop());
    const storePath = join(disk, "keys.json");
    const { child, finished } = start(["--config", writeConfig(dir, storePath, { host: "127.0.0.1", port: sim.address.port })], { cwd: dir });
    cleanups.push(() => void child.kill("SIGKILL"));
    await waitForStderr(child, "sync: checked");
    // Fill the disk, then let keys arrive that cannot be written.
    const failed = waitForStderr(child, "could not write the key directory");
    try {
      writeFileSync(join(disk, "filler"), Buffer.alloc(256 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe("ENOSPC");
    }
    const fresh = sim.addNodesSilently(40);
    for (const node of fresh) sim.deliverNodeInfo(node.num);
    await failed;
    // The retry fails too: by then the NodeInfos are all in the directory, unsaved.
    await waitForStderr(child, "could not write the key directory");
    child.kill("SIGTERM");
    const result = await finished;
    expect(result.code, result.stderr).toBe(1);
    const said = /stopping failed: (\d+) changed nodes? of the key directory could not be saved to .*keys\.json: .*ENOSPC/.exec(result.stderr);
    expect(said, result.stderr).not.toBeNull();
    const unsaved = Number(said?.[1]);
    // What it names is what the next start lacks.
    rmSync(join(disk, "filler"));
    const { records } = await loadOnce(storePath);
    const missing = [sim.ownNode, ...sim.nodes.values()].filter((node) => !records.some((r) => r.num === node.num)).length;
    expect(unsaved).toBeGreaterThanOrEqual(fresh.length);
    expect(unsaved).toBe(missing);
  });
});
