// Temporary working directories with a config file, for loadConfig and CLI tests.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach } from "vitest";

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory, removed after the test; with `config`, it holds ./config.yaml. */
export function workDir(config?: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keysync-config-"));
  made.push(dir);
  if (config !== undefined) writeFileSync(path.join(dir, "config.yaml"), config);
  return dir;
}
