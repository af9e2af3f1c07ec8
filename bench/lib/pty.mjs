// A pseudo-terminal pair made with socat, as the serial tests make it: the simulated radio
// serves `radio`, the bridge opens `bridge`. The child is tracked, so it never outlives the bench.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { track } from "./children.mjs";
import { tempDir } from "./setup.mjs";
import { withTimeout } from "./time.mjs";

export async function ptyPair(name) {
  const dir = tempDir(name);
  const radio = path.join(dir, "radio");
  const bridge = path.join(dir, "bridge");
  const socat = track(spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${radio}`, `pty,raw,echo=0,link=${bridge}`], { stdio: ["ignore", "ignore", "pipe"] }));
  const exited = new Promise((resolve) => socat.once("exit", resolve));
  await withTimeout(
    new Promise((resolve, reject) => {
      let log = "";
      const onData = (chunk) => {
        log += chunk.toString();
        if (!log.includes("starting data transfer loop") || !existsSync(radio) || !existsSync(bridge)) return;
        socat.stderr.off("data", onData);
        socat.stderr.resume();
        resolve();
      };
      socat.stderr.on("data", onData);
      socat.once("error", (err) => reject(new Error(`cannot run socat (scripts/ensure-package.sh installs it): ${err.message}`)));
    }),
    20_000,
    "socat pty pair",
  );
  return {
    radio,
    bridge,
    async close() {
      if (socat.exitCode === null) socat.kill("SIGTERM");
      await exited;
    },
  };
}
