import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { assertBuilt, ROOT, run } from "./run.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dirWith(config?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keysync-cli-"));
  dirs.push(dir);
  if (config !== undefined) writeFileSync(path.join(dir, "config.yaml"), config);
  return dir;
}

beforeAll(assertBuilt);

/** Runs the bridge command with a bad config; it must exit 2 with one line naming the problem. */
async function configError(options: { config?: string; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<string> {
  const result = await run(options.args ?? [], { cwd: dirWith(options.config), env: options.env });
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trim().split("\n");
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^meshtastic-keysync: config error: /);
  return lines[0] as string;
}

describe("help and version", () => {
  it("--help lists every config option with its default and variable, and exits 0", async () => {
    const result = await run(["--help"], { cwd: dirWith() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Usage: meshtastic-keysync [--config FILE]");
    for (const option of CONFIG_OPTIONS) {
      expect(result.stdout).toContain(`  ${option.path} (default: ${option.defaultText})\n`);
      expect(result.stdout).toContain(`env ${option.env}\n`);
    }
  });

  it("--version prints the package version", async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    const result = await run(["--version"], { cwd: dirWith() });
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it("simulate --help exits 0", async () => {
    const result = await run(["simulate", "--help"], { cwd: dirWith() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("--nodes");
  });
});

describe("usage errors exit 2 naming the argument", () => {
  it.each([
    [["--bogus"], "unknown option --bogus"],
    [["frobnicate"], "unknown command frobnicate"],
    [["--config"], "--config needs a file name"],
  ])("%j", async (args, message) => {
    const result = await run(args, { cwd: dirWith() });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`meshtastic-keysync: ${message}`);
  });
});

describe("config errors exit 2 with a message naming the problem", () => {
  it("an unknown key", async () => {
    expect(await configError({ config: "radio: {host: r}\nsync:\n  intervall: 600\n" })).toContain("sync.intervall: unknown option (did you mean sync.interval?)");
  });

  it("an unknown environment variable", async () => {
    expect(await configError({ config: "radio: {host: r}\n", env: { MESHTASTIC_KEYSYNC_SYNC_INTERVALL: "600" } })).toContain(
      "MESHTASTIC_KEYSYNC_SYNC_INTERVALL: unknown variable",
    );
  });

  it("a value of the wrong type", async () => {
    expect(await configError({ config: "radio: {host: r}\nsend: {enabled: maybe}\n" })).toContain('send.enabled: "maybe" is not true or false');
  });

  it("a value out of range", async () => {
    expect(await configError({ config: "radio: {host: r}\nsync: {interval: 5}\n" })).toContain("sync.interval: 5 is below the minimum 30");
  });

  it("an unreadable --config file", async () => {
    expect(await configError({ args: ["--config", "nowhere.yaml"] })).toContain("nowhere.yaml: cannot read the config file: no such file");
  });

  it("invalid YAML", async () => {
    expect(await configError({ config: "radio:\n  host: 'r\n" })).toMatch(/config\.yaml: invalid YAML at line \d+, column \d+/);
  });

  it("an environment list nested 30,000 deep (not a stack overflow)", async () => {
    const deep = `${"[".repeat(30_000)}${"]".repeat(30_000)}`;
    expect(await configError({ config: "radio: {host: r}\n", env: { MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: deep } })).toContain(
      "MESHTASTIC_KEYSYNC_HOMEASSISTANT_WATCH: nested deeper than 16 levels",
    );
  });

  it("a config file without radio.host", async () => {
    expect(await configError({ config: "sync: {interval: 600}\n" })).toContain('radio.host: required in a config file; use "simulator"');
  });
});

describe("running the bridge", () => {
  it("exits 1 with a message when it cannot start (a port in use)", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const result = await run([], { cwd: dirWith(), env: { MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: String(port) } });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain("cannot start");
    } finally {
      blocker.close();
    }
  });

  it("exits 1 naming the port when the API server's port is in use; 2 when it is the radio's own address", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const env = { MESHTASTIC_KEYSYNC_EMBEDDED_BROKER_PORT: "0", MESHTASTIC_KEYSYNC_API_SERVER_ENABLED: "true", MESHTASTIC_KEYSYNC_API_SERVER_PORT: String(port) };
      const result = await run([], { cwd: dirWith(), env });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`api_server: 127.0.0.1:${port} is already in use`);
    } finally {
      blocker.close();
    }
    expect(await configError({ config: "radio: {host: localhost}\napi_server: {enabled: true}\n" })).toContain("api_server.port: is the radio's own address");
  });
});
