// A stop that reaches the bridge (issue 28): the systemd unit in docs/operations.md is run as
// systemd would run it (its ExecStart argv, its WorkingDirectory), with the paths mapped to
// this checkout and a temporary folder, against an external broker and the simulator. SIGTERM
// to that process must end the bridge itself: exit 0, bridge/state offline retained on the
// broker after the process is gone, and no process of it left.
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Observer, json, retainedNow } from "../helpers/mqtt.js";
import { ROOT, cleanEnv } from "./run.js";
import { useChildRig } from "../helpers/child-rig.js";

const BASE = "keysync-service";
const docs = readFileSync(join(ROOT, "docs/operations.md"), "utf8");
const unit = [...docs.matchAll(/^```ini\n([\s\S]*?)^```/gm)].map((m) => m[1] as string).find((block) => block.includes("[Service]")) ?? "";
const setting = (name: string): string => new RegExp(`^${name}=(.*)$`, "m").exec(unit)?.[1]?.trim() ?? "";

const rig = useChildRig("keysync-service-");

/** Processes whose command line names `text` (ours: the test's own temporary paths). */
function processesNaming(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe("the documented systemd unit", () => {
  it("runs the bin directly with Restart=on-failure, never npx", () => {
    expect(setting("ExecStart")).toMatch(/^\/usr\/bin\/node \S+\/bin\/meshtastic-keysync\.js --config \S+$/);
    expect(unit).not.toMatch(/npx/);
    expect(setting("Restart")).toBe("on-failure");
    expect(setting("KillSignal")).toBe("SIGTERM");
  });

  it.skipIf(process.platform !== "linux")("SIGTERM to what it runs: exit 0, bridge/state offline retained, no process left", async () => {
    const config = join(rig.dir, "config.yaml");
    writeFileSync(config, [`radio: {host: 127.0.0.1, port: ${rig.sim.address.port}}`, `mqtt: {server: "${rig.broker.url}", base_topic: ${BASE}}`, `store: {path: "${join(rig.dir, "keys.json")}"}`, ""].join("\n"));
    // The unit's paths on this machine: node, the checkout, the config, the working directory.
    const [node, ...args] = setting("ExecStart")
      .split(/\s+/)
      .map((word) => (word === "/usr/bin/node" ? process.execPath : word.replace("/opt/meshtastic-keysync", ROOT).replace("/etc/meshtastic-keysync/config.yaml", config)));
    expect(setting("WorkingDirectory")).toBe("/var/lib/meshtastic-keysync");
    const observer = await Observer.connect(rig.broker.url, [`${BASE}/#`]);
    try {
      const child = spawn(node as string, args, { cwd: rig.dir, env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      const online = await observer.next(`${BASE}/bridge/state`, (t) => t.includes('"online"'));
      await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
      expect(processesNaming(config)).toEqual([child.pid]);

      child.kill("SIGTERM");
      expect(await exited, stderr).toBe(0);
      const { instance } = json(online.text) as { instance: string };
      // Retained on the broker, read by a client that connects after the bridge is gone.
      expect(await retainedNow(rig.broker.url, `${BASE}/bridge/state`)).toBe(JSON.stringify({ state: "offline", instance }));
      expect(() => process.kill(child.pid as number, 0)).toThrow(/ESRCH/);
      expect(processesNaming(config)).toEqual([]);
    } finally {
      await observer.close();
    }
  });
});
