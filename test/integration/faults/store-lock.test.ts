// Two bridges on one store.path (issue 24, finding 3): the real CLI, twice. The second exits
// 2 naming the lock file and the first's pid; once the first is killed with SIGKILL, its lock
// is stale and the next bridge takes it over; a clean stop removes it.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, cleanEnv, run, start, waitForStderr, type Finished } from "../../cli/run.js";
import { NOBODY, cliForNobody } from "../../helpers/nobody.js";
import { loadOnce } from "../../helpers/store.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(): { dir: string; storePath: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), "keysync-lock-cli-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const storePath = join(dir, "keys.json");
  const config = join(dir, "config.yaml");
  writeFileSync(config, stringify({ radio: { host: "simulator" }, embedded_broker: { port: 0 }, store: { path: storePath }, log_level: "info" }));
  return { dir, storePath, config };
}

describe("one bridge per key store", () => {
  beforeAll(() => assertBuilt());

  it("a second bridge exits 2 naming the lock and the holder's pid; a killed holder's lock is taken over; a clean stop releases it", async () => {
    const { dir, storePath, config } = setup();
    const first = start(["--config", config], { cwd: dir });
    cleanups.push(() => void first.child.kill("SIGKILL"));
    await waitForStderr(first.child, "sync: checked"); // loaded, locked, and writing

    const second = await run(["--config", config], { cwd: dir });
    expect(second.code, second.stderr).toBe(2);
    expect(second.stderr).toMatch(new RegExp(`config error: store\\.path: key store .*keys\\.json is in use by another process \\(pid ${first.child.pid}\\), which holds the lock .*keys\\.json\\.lock`));

    first.child.kill("SIGKILL");
    await first.finished;
    expect(existsSync(`${storePath}.lock`)).toBe(true); // left behind by the kill

    const third = start(["--config", config], { cwd: dir });
    cleanups.push(() => void third.child.kill("SIGKILL"));
    await waitForStderr(third.child, "sync: checked");
    third.child.kill("SIGTERM");
    const result = await third.finished;
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(`${storePath}.lock`)).toBe(false);
    expect((await loadOnce(storePath)).records.length).toBeGreaterThan(0);
  });

  // process.kill(pid, 0) on another user's process fails with EPERM: alive, not stale.
  it.runIf(process.getuid?.() === 0)("a bridge running as another user does not take over a lock whose holder it may not signal", async () => {
    const { dir, storePath, config } = setup();
    chmodSync(dir, 0o777);
    chmodSync(config, 0o644);
    writeFileSync(`${storePath}.lock`, `${process.pid}\n`); // this test runner: root, alive
    const { node, bin } = cliForNobody();
    const child = spawn("setpriv", [...NOBODY, node, bin, "--config", config], { cwd: dir, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    cleanups.push(() => void child.kill("SIGKILL"));
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const result = await new Promise<Finished>((resolve) => child.on("close", (code) => resolve({ code, stdout: "", stderr })));
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`in use by another process \\(pid ${process.pid}\\), which holds the lock`));
    expect(readFileSync(`${storePath}.lock`, "utf8")).toBe(`${process.pid}\n`);
  });
});
