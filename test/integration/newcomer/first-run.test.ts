// The newcomer's first run: a fresh clone in a new directory, the README's run command as
// written (no config: demo mode), and a plain MQTT client that sees the product work.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { Observer, json } from "../../helpers/mqtt.js";

const ROOT = join(import.meta.dirname, "../../..");

/** The first fenced code block of the README: the install-and-run command. */
function readmeRunCommand(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /```(?:sh|bash|shell)?\n([^`]+?)\n```/.exec(readme);
  if (!block?.[1]) throw new Error("README.md has no code block");
  return block[1].trim();
}

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

it("a fresh clone runs the demo with the README's command: online, radio connected, a first sync", { timeout: 600_000 }, async () => {
  const command = readmeRunCommand();
  expect(command).toContain("npx meshtastic-keysync");
  const dir = mkdtempSync(join(tmpdir(), "keysync-newcomer-"));
  const clone = spawnSync("git", ["clone", "--quiet", ROOT, join(dir, "meshtastic-keysync")], { encoding: "utf8" });
  expect(clone.status, clone.stderr).toBe(0);
  const cwd = join(dir, "meshtastic-keysync");
  // The demo's broker defaults to 127.0.0.1:1883; port 0 keeps the test clear of a broker
  // that may already listen there. The address is read from the bridge's log.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MESHTASTIC_KEYSYNC_") && !k.startsWith("npm_")));
  const child = spawn("bash", ["-c", command], {
    cwd,
    env: { ...env, LOG_FORMAT: "json", MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  cleanup = () => {
    try {
      if (child.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  let log = "";
  const url = await new Promise<string>((resolve, reject) => {
    const ceiling = setTimeout(() => reject(new Error(`no broker address within 10 minutes:\n${log.slice(-3000)}`)), 590_000);
    const onData = (chunk: Buffer): void => {
      log += chunk.toString();
      const line = /\{[^\n]*"msg":"embedded MQTT broker listening[^\n]*\}/.exec(log);
      if (line) {
        clearTimeout(ceiling);
        resolve((JSON.parse(line[0]) as { url: string }).url);
      }
    };
    child.stderr.on("data", onData);
    child.stdout.on("data", onData);
    child.on("exit", (code) => reject(new Error(`the run command exited (${code}):\n${log.slice(-3000)}`)));
  });
  // From here on the product itself runs: a generous ceiling, not a measurement.
  const started = Date.now();
  const observer = await Observer.connect(url, ["meshtastic-keysync/#"]);
  try {
    const online = await observer.next("meshtastic-keysync/bridge/state", (t) => (json(t) as { state: string }).state === "online");
    expect(json(online.text)).toEqual({ state: "online", instance: (json(online.text) as { instance: string }).instance });
    expect((json(online.text) as { instance: string }).instance).toMatch(/^[0-9a-f]{12}$/);
    await observer.next("meshtastic-keysync/radio/state", (t) => (json(t) as { state: string }).state === "connected");
    const stats = await observer.next("meshtastic-keysync/sync/stats", (t) => (json(t) as { sync_count: number }).sync_count >= 1);
    expect((json(stats.text) as { nodes_total: number }).nodes_total).toBeGreaterThan(1);
    expect(Date.now() - started).toBeLessThan(30_000);
  } finally {
    await observer.close();
  }
  child.kill("SIGTERM");
});
