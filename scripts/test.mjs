#!/usr/bin/env node
// `npm test`: everything the suite needs, in order, on a fresh machine. Installs run with
// lifecycle scripts off (see .npmrc), so no pretest hook can be relied on: this script builds
// the CLI the tests spawn, makes sure a Mosquitto binary exists for the real-broker tests and
// a socat binary for the serial tests (they make a pseudo-terminal pair with it), type-checks,
// lints, then runs vitest. Extra arguments go to vitest.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const REPORT = ".vitest-tmp/report.json";
rmSync(REPORT, { force: true });

const steps = [
  ["npm", ["run", "build"]],
  ["bash", ["scripts/ensure-package.sh", "mosquitto", "mosquitto", "--service"]],
  ["bash", ["scripts/ensure-package.sh", "socat", "socat"]],
  ["npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]],
  ["npx", ["eslint", "."]],
  ["npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${REPORT}`, ...process.argv.slice(2)]],
];

for (const [cmd, args] of steps) {
  process.stderr.write(`\n> ${cmd} ${args.join(" ")}\n`);
  const result = spawnSync(cmd, args, { stdio: "inherit" });
  if (cmd === "npx" && args[0] === "vitest") summarize();
  if (result.status !== 0) {
    process.stderr.write(`\n${cmd} ${args.join(" ")} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}

/** One plain closing line, "N passed, N failed", that any CI log reader understands. */
function summarize() {
  if (!existsSync(REPORT)) return;
  const report = JSON.parse(readFileSync(REPORT, "utf8"));
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  process.stdout.write(`\ntests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}\n`);
}
