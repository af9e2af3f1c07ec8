// Two bridges on one store.path (issue 24, finding 3): the real CLI, twice. The second exits
// 2 naming the lock file and the first's pid; once the first is killed with SIGKILL, its lock
// is stale and the next bridge takes it over; a clean stop removes it.
import { mkdtempSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, run, start, waitForStderr } from "../../cli/run.js";
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
});
