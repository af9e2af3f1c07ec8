// metrics.port already taken at start: a runtime failure (exit 1) that names the port and
// the option to change, and nothing of the bridge left running.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { assertBuilt, run } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "keysync-metrics-port-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("metrics.port in use", () => {
  it("exits 1 with a message naming the address and metrics.port", async () => {
    assertBuilt();
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    try {
      const port = (taken.address() as { port: number }).port;
      writeFileSync(join(dir, "config.yaml"), ["radio: {host: simulator}", "embedded_broker: {port: 0}", `store: {path: "${join(dir, "keys.json")}"}`, `metrics: {enabled: true, port: ${port}}`, ""].join("\n"));
      const result = await run([], { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`metrics: 127.0.0.1:${port} is already in use (another bridge or exporter?): set metrics.port to a free port`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
