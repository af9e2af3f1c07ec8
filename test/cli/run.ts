// Runs the real CLI (bin/meshtastic-keysync.js → dist/cli.js) as a child process. The build
// comes from `npm test` (or `npx tsc -p tsconfig.build.json` before running these alone).
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const BIN = path.join(ROOT, "bin/meshtastic-keysync.js");

export function assertBuilt(): void {
  if (!existsSync(path.join(ROOT, "dist/cli.js"))) {
    throw new Error("dist/cli.js is missing: run `npx tsc -p tsconfig.build.json` (npm test does) first");
  }
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment without any MESHTASTIC_KEYSYNC_* of the machine running the tests. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("MESHTASTIC_KEYSYNC_")));
  return { ...env, LOG_FORMAT: "json", ...extra };
}

export function start(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): { child: ChildProcess; finished: Promise<Finished> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: cleanEnv(options.env), stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const finished = new Promise<Finished>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the CLI did not exit within 30 s; stderr so far:\n${stderr}`));
    }, 30_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  return { child, finished };
}

export function run(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<Finished> {
  return start(args, options).finished;
}

/** Resolves once stderr contains `text`; rejects if the process ends first. */
export function waitForStderr(child: ChildProcess, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const onExit = (): void => reject(new Error(`the CLI exited before printing "${text}":\n${seen}`));
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        child.stderr?.off("data", onData);
        child.off("exit", onExit);
        resolve();
      }
    };
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
}
