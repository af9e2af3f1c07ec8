// `meshtastic-keysync simulate` through the real binary: where it listens, a whole NodeDB for
// a client, and a clean stop.
import { afterEach, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { MeshtasticRadio } from "../../src/radio/meshtastic.js";
import type { NodeDbDump } from "../../src/radio/link.js";
import { nextEvent } from "../helpers/events.js";
import { assertBuilt, start } from "./run.js";

let radio: MeshtasticRadio | null = null;
afterEach(async () => {
  await radio?.stop();
  radio = null;
});

it("simulate --nodes 200 --port 0 prints where it listens, serves 200 nodes, and stops with 0 on SIGTERM", async () => {
  assertBuilt();
  const { child, finished } = start(["simulate", "--nodes", "200", "--port", "0"], { cwd: mkdtempSync(path.join(tmpdir(), "keysync-sim-")) });
  const firstLine = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf("\n");
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.on("exit", () => reject(new Error("simulate exited before printing its address")));
  });
  const match = /^listening on 127\.0\.0\.1:(\d+)$/.exec(firstLine);
  expect(match, firstLine).not.toBeNull();
  const port = Number(match![1]);
  expect(port).toBeGreaterThan(0);
  radio = new MeshtasticRadio({ host: "127.0.0.1", port });
  const dump = nextEvent<NodeDbDump>(radio, "dump");
  radio.start();
  expect((await dump).nodes).toHaveLength(200);
  await radio.stop();
  child.kill("SIGTERM");
  const result = await finished;
  expect(result.code, result.stderr).toBe(0);
});

it("simulate stops with 0 on SIGHUP too (a closed terminal)", async () => {
  assertBuilt();
  const { child, finished } = start(["simulate", "--nodes", "1", "--port", "0"], { cwd: mkdtempSync(path.join(tmpdir(), "keysync-sim-")) });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (chunk: Buffer) => chunk.toString().includes("listening on") && resolve());
    child.on("exit", () => reject(new Error("simulate exited before printing its address")));
  });
  child.kill("SIGHUP");
  const result = await finished;
  expect(result.code, result.stderr).toBe(0);
});
