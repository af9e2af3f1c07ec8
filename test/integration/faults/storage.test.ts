// Storage faults (SIGKILL at every point of a write is test/directory/store-crash.test.ts):
// a write that fails at run time, a corrupt file at start, a file from a newer version.
// Startup cases run the real CLI (bin/ → dist/, built by `npm test`).
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseStore, serializeRecords } from "../../../src/directory/store-format.js";
import { assertBuilt, run, start, waitForStderr } from "../../cli/run.js";
import { Observer } from "../../helpers/mqtt.js";
import { startRig, type Rig } from "../../helpers/app.js";
import { loadOnce } from "../../helpers/store.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function cliConfig(dir: string, storePath: string): string {
  const file = join(dir, "config.yaml");
  writeFileSync(file, stringify({ radio: { host: "simulator" }, embedded_broker: { port: 0 }, store: { path: storePath }, log_level: "info" }));
  return file;
}

describe("storage faults", () => {
  beforeAll(() => assertBuilt());

  it("a write that fails at run time: the old file stays, nothing unsaved is announced, the error is in stats, the bridge runs on, retries, and last_error clears", async () => {
    const old = serializeRecords([], 1_800_000_000);
    let obstacle = "";
    const rig: Rig = await startRig({}, {
      prepare: ({ storePath }) => {
        writeFileSync(storePath, old);
        // The temp file's name taken by a directory: open(tmp, "w") fails (EISDIR), even as root.
        obstacle = `${storePath}.tmp-${process.pid}`;
        mkdirSync(obstacle);
      },
    });
    cleanups.push(() => rig.stop());
    const line = await rig.logged("could not write the key directory");
    expect(line).toMatch(/EISDIR|illegal operation/);
    expect(readFileSync(rig.storePath, "utf8")).toBe(old);
    const observer = await Observer.connect(rig.mqttUrl, ["meshtastic-keysync/sync/stats", "meshtastic-keysync/bridge/response/#", "meshtastic-keysync/nodes/+"]);
    cleanups.push(() => observer.close());
    await observer.next("meshtastic-keysync/sync/stats", (t) => /could not write the key directory/.test(t));
    // Nothing the disk does not hold was announced.
    expect(observer.messages.filter((m) => m.topic.startsWith("meshtastic-keysync/nodes/"))).toEqual([]);
    // The bridge keeps serving: a sync runs and is answered.
    await observer.client.publishAsync("meshtastic-keysync/bridge/request/sync", "", { qos: 1 });
    const answer = await observer.next("meshtastic-keysync/bridge/response/sync");
    expect(JSON.parse(answer.text)).toMatchObject({ status: "ok" });
    // The disk comes back: the retry writes every node without any further change.
    // A sync clears last_error; the next failed retry sets it again.
    await observer.next("meshtastic-keysync/sync/stats", (t) => /could not write the key directory/.test(t), observer.mark());
    const mark = observer.mark();
    rmSync(obstacle, { recursive: true });
    // The disk comes back: the retry writes every node without any further change, then they are announced.
    const node = rig.sim.nodes.values().next().value!;
    await observer.next(`meshtastic-keysync/nodes/${node.id}`, () => true, mark);
    const records = parseStore(readFileSync(rig.storePath, "utf8"), rig.storePath);
    expect(records.map((r) => r.num).sort()).toEqual([rig.sim.ownNode.num, ...rig.sim.nodes.keys()].sort());
    // ...and last_error is null again, without a sync.
    await observer.next("meshtastic-keysync/sync/stats", (t) => (JSON.parse(t) as { last_error: string | null }).last_error === null, mark);
  });

  it("a truncated store file at start is moved aside, reported, and the bridge starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keysync-faults-cli-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const storePath = join(dir, "keys.json");
    const text = serializeRecords([], 1_800_000_000);
    writeFileSync(storePath, text.slice(0, text.length >> 1));
    const { child, finished } = start(["--config", cliConfig(dir, storePath)], { cwd: dir });
    cleanups.push(() => void child.kill("SIGKILL"));
    await waitForStderr(child, "sync: checked"); // the handshake's dump is in the directory
    child.kill("SIGTERM");
    const result = await finished;
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/key store .*keys\.json is unreadable .*moved it to .*keys\.json\.corrupt-/);
    const moved = readdirSync(dir).filter((n) => n.startsWith("keys.json.corrupt-"));
    expect(moved).toHaveLength(1);
    expect(readFileSync(join(dir, moved[0] as string), "utf8")).toBe(text.slice(0, text.length >> 1));
    // The handshake's nodes are in the new files.
    expect((await loadOnce(storePath)).records.length).toBeGreaterThan(0);
  });

  it("a store file from a newer version: exit 2 naming store.path, the file untouched", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keysync-faults-cli-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const storePath = join(dir, "keys.json");
    const future = `${JSON.stringify({ format: "meshtastic-keysync/keys", version: 99, nodes: [{ from: "the future" }] })}\n`;
    writeFileSync(storePath, future);
    const before = statSync(storePath).mtimeMs;
    const result = await run(["--config", cliConfig(dir, storePath)], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/config error: store\.path: .*version 99/);
    expect(readFileSync(storePath, "utf8")).toBe(future);
    expect(statSync(storePath).mtimeMs).toBe(before);
    expect(readdirSync(dir).sort()).toEqual(["config.yaml", "keys.json"]);
    expect(existsSync(`${storePath}.tmp-${process.pid}`)).toBe(false);
  });

  it("a file that is not a key store (a symlink to a passwd-like file): exit 2 naming store.path, never moved", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keysync-faults-cli-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "etc"));
    const passwd = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
    writeFileSync(join(dir, "etc", "passwd"), passwd);
    const storePath = join(dir, "keys.json");
    symlinkSync(join(dir, "etc", "passwd"), storePath);
    const result = await run(["--config", cliConfig(dir, storePath)], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/config error: store\.path: .*keys\.json is not a meshtastic-keysync key store/);
    expect(readFileSync(join(dir, "etc", "passwd"), "utf8")).toBe(passwd);
    expect(readdirSync(join(dir, "etc"))).toEqual(["passwd"]);
    expect(readdirSync(dir).sort()).toEqual(["config.yaml", "etc", "keys.json"]);
  });
});
