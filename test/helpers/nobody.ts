// Running the CLI as an unprivileged uid (tests run as root, which ignores file modes). The
// child needs a node binary and a checkout that uid can reach: a fresh clone in a 0700 temp
// folder, or Node 24 from npx's cache under /root, are closed to it. Then the checkout's
// runtime parts are copied to an open folder, and the system's node stands in for a binary
// the uid cannot execute (the test is about file permissions, not about the Node version).
import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { onTestFinished } from "vitest";
import { BIN, ROOT } from "../cli/run.js";

export const NOBODY = ["--reuid", "65534", "--regid", "65534", "--clear-groups"] as const;

function runsAsNobody(node: string, file: string): boolean {
  const probe = spawnSync("setpriv", [...NOBODY, node, "-e", `import(${JSON.stringify(file)})`], { encoding: "utf8" });
  return probe.status === 0;
}

/** A node binary and the CLI's entry point that uid 65534 can run; the copy (if any) goes when the test ends. */
export function cliForNobody(): { node: string; bin: string } {
  const node = runsAsNobody(process.execPath, "node:fs") ? process.execPath : "/usr/bin/node";
  if (runsAsNobody(node, path.join(ROOT, "dist/app.js"))) return { node, bin: BIN };
  const copy = mkdtempSync(path.join(tmpdir(), "keysync-nobody-"));
  chmodSync(copy, 0o755);
  onTestFinished(() => rmSync(copy, { recursive: true, force: true }));
  for (const part of ["bin", "dist", "node_modules", "assets", "package.json"]) cpSync(path.join(ROOT, part), path.join(copy, part), { recursive: true });
  return { node, bin: path.join(copy, "bin/meshtastic-keysync.js") };
}
