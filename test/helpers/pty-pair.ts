// A pseudo-terminal pair made with socat (scripts/ensure-package.sh installs it): two linked
// ttys, `radio` for the simulated radio and `bridge` for the bridge's serial link, as a USB
// cable would join them. unplug() ends socat, so both ends hang up and the paths vanish, as
// when a USB radio is pulled; replug() makes the pair again under the same paths.
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface PtyPair {
  /** The simulated radio's end. */
  radio: string;
  /** The bridge's end: what radio.serial names. */
  bridge: string;
  unplug(): Promise<void>;
  replug(): Promise<void>;
  /** Ends socat and removes the directory. */
  close(): Promise<void>;
}

const CEILING_MS = 20_000;

export async function ptyPair(): Promise<PtyPair> {
  const dir = mkdtempSync(join(tmpdir(), "keysync-pty-"));
  // Others may traverse it: the permission test runs a bridge under an unprivileged uid.
  chmodSync(dir, 0o755);
  const radio = join(dir, "radio");
  const bridge = join(dir, "bridge");
  let child: ChildProcess | null = null;

  const plug = async (): Promise<void> => {
    const socat = spawn("socat", ["-d", "-d", `pty,raw,echo=0,link=${radio}`, `pty,raw,echo=0,link=${bridge}`], { stdio: ["ignore", "ignore", "pipe"] });
    child = socat;
    await new Promise<void>((resolve, reject) => {
      let log = "";
      const done = (err?: Error): void => {
        clearTimeout(timer);
        socat.off("error", onError);
        socat.off("exit", onExit);
        socat.stderr?.off("data", onData);
        socat.stderr?.resume(); // its later lines (the shutdown) are not needed
        if (err) reject(err);
        else resolve();
      };
      const onError = (err: Error): void => done(new Error(`cannot run socat (scripts/ensure-package.sh installs it): ${err.message}`));
      const onExit = (code: number | null): void => done(new Error(`socat exited (${code}) before the pair was up: ${log}`));
      const onData = (chunk: Buffer): void => {
        log += chunk.toString();
        if (log.includes("starting data transfer loop") && existsSync(radio) && existsSync(bridge)) done();
      };
      const timer = setTimeout(() => done(new Error(`socat did not start within ${CEILING_MS} ms: ${log}`)), CEILING_MS);
      socat.once("error", onError);
      socat.once("exit", onExit);
      socat.stderr?.on("data", onData);
    });
  };

  const unplug = async (): Promise<void> => {
    const socat = child;
    child = null;
    if (!socat || socat.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => socat.once("exit", () => resolve()));
    socat.kill("SIGTERM");
    await exited;
  };

  await plug();
  return {
    radio,
    bridge,
    unplug,
    replug: plug,
    close: async () => {
      await unplug();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
