#!/usr/bin/env node
// `npm test`: everything the suite needs, in order, on a fresh machine. Installs run with
// lifecycle scripts off (see .npmrc), so no pretest hook can be relied on: this script builds
// the CLI the tests spawn, makes sure a Mosquitto binary exists for the real-broker tests,
// type-checks, lints, then runs vitest. Extra arguments go to vitest.
import { spawnSync } from "node:child_process";

const steps = [
  ["npm", ["run", "build"]],
  ["bash", ["scripts/ensure-mosquitto.sh"]],
  ["npx", ["tsc", "--noEmit", "-p", "tsconfig.json"]],
  ["npx", ["eslint", "."]],
  ["npx", ["vitest", "run", ...process.argv.slice(2)]],
];

for (const [cmd, args] of steps) {
  process.stderr.write(`\n> ${cmd} ${args.join(" ")}\n`);
  const result = spawnSync(cmd, args, { stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`\n${cmd} ${args.join(" ")} failed (exit ${result.status ?? result.signal})\n`);
    process.exit(result.status ?? 1);
  }
}
