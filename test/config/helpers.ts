// Temporary working directories with a config file, for loadConfig and CLI tests.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, expect } from "vitest";
import { ConfigError, loadConfig, type ConfigProblem } from "../../src/config/load.js";

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

/** loadConfig on a fresh directory holding `yaml` as ./config.yaml (none when undefined). */
export function loadIn(yaml: string | undefined, env: NodeJS.ProcessEnv = {}): ReturnType<typeof loadConfig> {
  return loadConfig({ env, cwd: workDir(yaml) });
}

/** The problems of the ConfigError `run` throws, as "field: message"; fails when it throws none. */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p: ConfigProblem) => `${p.field}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

/** problemsOf(loadIn(yaml, env)). */
export function loadProblems(yaml: string | undefined, env: NodeJS.ProcessEnv = {}): string[] {
  return problemsOf(() => loadIn(yaml, env));
}
