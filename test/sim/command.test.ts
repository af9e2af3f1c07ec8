// `meshtastic-keysync simulate` through runSimulate: first line, exit codes, help.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { wantConfig } from "../../src/protocol/messages.js";
import { SIMULATE_HELP, parseSimulateArgs, runSimulate } from "../../src/sim/index.js";
import { TestClient } from "./client.js";

function capture(onStdout?: (line: string) => void): { io: Parameters<typeof runSimulate>[1]; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: (line) => {
        out.push(line);
        onStdout?.(line);
      },
      stderr: (line) => err.push(line),
    },
    out,
    err,
  };
}

describe("runSimulate", () => {
  it("prints `listening on 127.0.0.1:<port>` first with --port 0, serves clients, exits 0 on abort", async () => {
    const controller = new AbortController();
    let listening: (line: string) => void = () => undefined;
    const first = new Promise<string>((resolve) => (listening = resolve));
    const { io, out, err } = capture((line) => listening(line));
    const exit = runSimulate(["--port", "0", "--nodes", "7", "--seed", "5"], io, controller.signal);
    const line = await first;
    const match = /^listening on 127\.0\.0\.1:(\d+)$/.exec(line);
    expect(match).not.toBeNull();
    const port = Number(match?.[1]);
    expect(port).toBeGreaterThan(0);
    const client = await TestClient.connect(port);
    client.send(wantConfig(69421));
    await client.waitComplete(69421);
    expect(client.frames.filter((f) => f.payloadVariant.case === "nodeInfo")).toHaveLength(8);
    controller.abort();
    expect(await exit).toBe(0);
    await client.waitClosed();
    expect(out).toEqual([line]);
    expect(err.join("\n")).toContain("client 1 connected");
  });

  it("exits 2 naming the bad option", async () => {
    for (const [argv, name] of [
      [["--nodes", "lots"], "--nodes"],
      [["--port", "70000"], "--port"],
      [["--capacity", "1"], "--capacity"],
      [["--nodes", "60", "--capacity", "60"], "--capacity"],
      [["--bogus"], "--bogus"],
    ] as const) {
      const { io, out, err } = capture();
      expect(await runSimulate([...argv], io, new AbortController().signal)).toBe(2);
      expect(out).toEqual([]);
      expect(err[0]).toContain(name);
    }
  });

  it("exits 1 when the port is in use", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const { io, out, err } = capture();
      expect(await runSimulate(["--port", String(port)], io, new AbortController().signal)).toBe(1);
      expect(out).toEqual([]);
      expect(err[0]).toContain("in use");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("--help lists every option with its default and exits 0", async () => {
    const { io, out } = capture();
    expect(await runSimulate(["--help"], io, new AbortController().signal)).toBe(0);
    expect(out.join("\n")).toBe(SIMULATE_HELP);
    for (const option of ["--host", "--port", "--nodes", "--seed", "--capacity", "--multi-client", "--firmware-2.8", "--help"]) {
      expect(SIMULATE_HELP).toContain(option);
    }
    for (const fallback of ["127.0.0.1", "4403", "50", "250"]) expect(SIMULATE_HELP).toContain(`(default ${fallback})`);
  });
});

describe("parseSimulateArgs", () => {
  it("turns --latency and --no-time-source into the radio's options, both off by default", () => {
    expect(parseSimulateArgs(["--latency", "--no-time-source"]).options).toMatchObject({ latency: true, noTimeSource: true });
    expect(parseSimulateArgs([]).options).toMatchObject({ latency: false, noTimeSource: false });
  });
});
