// The CLI with a serial radio: both radio.host and radio.serial are a config error (exit 2);
// a port the user may not open gives a reason naming the dialout group (the bridge runs
// under an unprivileged uid: the tests run as root, which ignores file modes); and
// `simulate --serial` serves one end of a pty pair.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import type { NodeDbDump } from "../../src/radio/link.js";
import { MeshtasticRadio } from "../../src/radio/meshtastic.js";
import { serialEndpoint } from "../../src/radio/serial.js";
import { SimRadio } from "../../src/sim/index.js";
import { assertBuilt, BIN, cleanEnv, ROOT, run } from "../cli/run.js";
import { NOBODY, cliForNobody } from "../helpers/nobody.js";
import { nextEvent } from "../helpers/events.js";
import { Observer, json } from "../helpers/mqtt.js";
import { ptyPair } from "../helpers/pty-pair.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(assertBuilt);

function scratch(mode = 0o755): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keysync-serial-cli-"));
  chmodSync(dir, mode);
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe("radio.serial on the command line", () => {
  it("with radio.host too: exit 2 and one line naming both", async () => {
    const dir = scratch();
    writeFileSync(path.join(dir, "config.yaml"), "radio:\n  host: 192.168.1.38\n  serial: /dev/ttyUSB0\n");
    const result = await run([], { cwd: dir });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([
      'meshtastic-keysync: config error: radio.serial: "/dev/ttyUSB0" cannot be used together with radio.host: set one of them (radio.host for a radio on the network, radio.serial for one on USB) (config.yaml line 3)',
    ]);
  });

  it("a port the user may not open: radio/state says permission denied and names the dialout group; no crash", async () => {
    const pair = await ptyPair();
    cleanups.push(() => pair.close());
    const sim = new SimRadio({ nodes: 5, idleTimeoutMs: 0 });
    sim.serveSerial(pair.radio);
    cleanups.push(() => sim.stop());
    const broker = new EmbeddedBroker({ port: 0 });
    await broker.start();
    cleanups.push(() => broker.stop());
    const observer = await Observer.connect(broker.url, ["meshtastic-keysync/#"]);
    cleanups.push(() => observer.close());

    const dir = scratch(0o777); // the store must be writable by the unprivileged uid
    writeFileSync(path.join(dir, "config.yaml"), `radio: {serial: ${pair.bridge}}\nmqtt: {server: "${broker.url}"}\nstore: {path: ${path.join(dir, "keys.json")}}\n`);
    const { node, bin } = cliForNobody();
    const child = spawn("setpriv", [...NOBODY, node, bin, "--config", path.join(dir, "config.yaml")], { cwd: dir, env: cleanEnv(), stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    });

    const state = await observer.next("meshtastic-keysync/radio/state", (t) => t.includes("permission denied"));
    expect(json(state.text)).toEqual({
      state: "disconnected",
      reason: `permission denied on ${pair.bridge}: add the user that runs the bridge to the dialout group (sudo usermod -aG dialout USER, then log in again; in Docker: devices: and group_add: [dialout])`,
    });
    expect(child.exitCode, stderr).toBeNull();
    child.kill("SIGTERM");
    expect(await exited, stderr).toBe(0);
  });

  it("simulate --serial serves one end of a pty pair; a link on the other end completes its handshake", async () => {
    const pair = await ptyPair();
    cleanups.push(() => pair.close());
    const child = spawn(process.execPath, [BIN, "simulate", "--serial", pair.radio, "--nodes", "12", "--baud", "230400", "--tear-every", "0"], { cwd: ROOT, env: cleanEnv(), stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill("SIGKILL");
      await exited;
    });
    const firstLine = await new Promise<string>((resolve) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes("\n")) resolve(out.split("\n")[0] as string);
      });
    });
    expect(firstLine).toBe(`listening on serial ${pair.radio} (230400 baud)`);
    const radio = new MeshtasticRadio({ endpoint: serialEndpoint({ path: pair.bridge, baud: 230400 }) });
    cleanups.push(() => radio.stop());
    const dump = nextEvent<NodeDbDump>(radio, "dump", (d) => d.kind === "handshake", 30_000);
    radio.start();
    expect((await dump).nodes).toHaveLength(12);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
