// scripts/ensure-package.sh on its install path, with the program hidden and a fake apt-get,
// so the test is fast and changes nothing on the machine. (The real path, with Debian's
// apt-get, is what `npm test` runs before the suite.)
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { mosquittoBinary } from "../helpers/mosquitto.js";

const SCRIPT = join(import.meta.dirname, "../../scripts/ensure-package.sh");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A PATH of symlinks to /usr/bin without the program, apt-get, id and sudo, plus fakes; apt-get installs into `dir`. */
function sandbox(program: string, dir: "usr/sbin" | "usr/bin", uid: number) {
  const root = mkdtempSync(join(tmpdir(), "ensure-package-"));
  dirs.push(root);
  const bin = join(root, "bin");
  const sbin = join(root, "usr/sbin");
  const target = join(root, dir);
  mkdirSync(bin);
  mkdirSync(sbin, { recursive: true });
  mkdirSync(target, { recursive: true });
  const hidden = new Set([program, "apt-get", "id", "sudo"]);
  for (const name of readdirSync("/usr/bin")) {
    if (!hidden.has(name)) symlinkSync(join("/usr/bin", name), join(bin, name));
  }
  const log = join(root, "apt.log");
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script("id", `if [ "$1" = "-u" ]; then echo ${uid}; else /usr/bin/id "$@"; fi`);
  script(
    "apt-get",
    [
      `echo "apt-get $*" >> "${log}"`,
      `[ -e "${sbin}/policy-rc.d" ] && echo "policy-rc.d present" >> "${log}"`,
      `case "$*" in *install*) printf '#!/bin/sh\\n' > "${target}/${program}"; chmod 755 "${target}/${program}";; esac`,
      "exit 0",
    ].join("\n"),
  );
  const run = (...args: string[]) =>
    spawnSync("/bin/bash", [SCRIPT, ...args], { env: { PATH: bin, ENSURE_PACKAGE_ROOT: root, HOME: root }, encoding: "utf8" });
  const readLog = () => readFileSync(log, "utf8").trim().split("\n");
  return { run, log, readLog, sbin, target };
}

describe("ensure-package.sh", () => {
  it("installs a package with a service (mosquitto) without letting the service start", () => {
    const box = sandbox("mosquitto", "usr/sbin", 0);
    const res = box.run("mosquitto", "mosquitto", "--service");
    expect(res.status, res.stderr).toBe(0);
    const log = box.readLog();
    expect(log[0]).toBe("apt-get update -q");
    expect(log).toContain("apt-get install -y -q --no-install-recommends mosquitto");
    // The service-blocking policy is in place during the install and gone afterwards.
    expect(log.filter((l) => l === "policy-rc.d present")).toHaveLength(2);
    expect(existsSync(join(box.sbin, "policy-rc.d"))).toBe(false);
    expect(res.stdout).toContain(`mosquitto installed: ${box.sbin}/mosquitto`);
  });

  it("installs a plain program (socat) with no service policy at all", () => {
    const box = sandbox("socat", "usr/bin", 0);
    const res = box.run("socat", "socat");
    expect(res.status, res.stderr).toBe(0);
    expect(box.readLog()).toEqual(["apt-get update -q", "apt-get install -y -q --no-install-recommends socat"]);
    expect(res.stdout).toContain(`socat installed: ${box.target}/socat`);
  });

  it("does nothing when the program is already there", () => {
    const box = sandbox("mosquitto", "usr/sbin", 0);
    writeFileSync(join(box.sbin, "mosquitto"), "#!/bin/sh\n");
    chmodSync(join(box.sbin, "mosquitto"), 0o755);
    const res = box.run("mosquitto", "mosquitto", "--service");
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("mosquitto present");
    expect(existsSync(box.log)).toBe(false);
  });

  it("fails with a clear message when not root and without sudo", () => {
    const box = sandbox("socat", "usr/bin", 1000);
    const res = box.run("socat", "socat");
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/needs root/);
    expect(res.stderr).toContain("'socat'");
    expect(existsSync(box.log)).toBe(false);
  });

  it("fails when the package installs no such program", () => {
    const box = sandbox("socat", "usr/bin", 0);
    const res = box.run("socat-typo", "socat");
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/no socat-typo binary was found/);
  });

  it("refuses to run without a program and a package", () => {
    const res = spawnSync("/bin/bash", [SCRIPT, "mosquitto"], { encoding: "utf8" });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/usage/);
  });

  it.skipIf(mosquittoBinary() === null)("finds the real mosquitto on this machine", () => {
    const res = spawnSync("/bin/bash", [SCRIPT, "mosquitto", "mosquitto", "--service"], { encoding: "utf8" });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("mosquitto present");
  });
});
