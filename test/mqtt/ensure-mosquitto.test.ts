// scripts/ensure-mosquitto.sh on its install path, with mosquitto hidden and a fake apt-get,
// so the test is fast and changes nothing on the machine. (The real path, with Debian's
// apt-get, is what CI runs before the tests.)
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { mosquittoBinary } from "../helpers/mosquitto.js";

const SCRIPT = join(import.meta.dirname, "../../scripts/ensure-mosquitto.sh");
const HIDDEN = new Set(["mosquitto", "apt-get", "id", "sudo"]);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A PATH of symlinks to /usr/bin without mosquitto, apt-get, id and sudo, plus fakes. */
function sandbox(uid: number) {
  const root = mkdtempSync(join(tmpdir(), "ensure-mosquitto-"));
  dirs.push(root);
  const bin = join(root, "bin");
  const sbin = join(root, "usr/sbin");
  mkdirSync(bin);
  mkdirSync(sbin, { recursive: true });
  for (const name of readdirSync("/usr/bin")) {
    if (!HIDDEN.has(name)) symlinkSync(join("/usr/bin", name), join(bin, name));
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
      `case "$*" in *install*) printf '#!/bin/sh\\n' > "${sbin}/mosquitto"; chmod 755 "${sbin}/mosquitto";; esac`,
      "exit 0",
    ].join("\n"),
  );
  const run = () =>
    spawnSync("/bin/bash", [SCRIPT], {
      env: { PATH: bin, ENSURE_MOSQUITTO_ROOT: root, HOME: root },
      encoding: "utf8",
    });
  return { run, log, sbin };
}

describe("ensure-mosquitto.sh", () => {
  it("installs the Debian package when mosquitto is missing, without letting the service start", () => {
    const box = sandbox(0);
    const res = box.run();
    expect(res.status, res.stderr).toBe(0);
    const log = readFileSync(box.log, "utf8").trim().split("\n");
    expect(log[0]).toBe("apt-get update -q");
    expect(log).toContain("apt-get install -y -q --no-install-recommends mosquitto");
    // The service-blocking policy is in place during the install and gone afterwards.
    expect(log.filter((l) => l === "policy-rc.d present")).toHaveLength(2);
    expect(existsSync(join(box.sbin, "policy-rc.d"))).toBe(false);
    expect(res.stdout).toContain(`mosquitto installed: ${box.sbin}/mosquitto`);
  });

  it("does nothing when mosquitto is already in the sbin directory", () => {
    const box = sandbox(0);
    writeFileSync(join(box.sbin, "mosquitto"), "#!/bin/sh\n");
    chmodSync(join(box.sbin, "mosquitto"), 0o755);
    const res = box.run();
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("mosquitto present");
    expect(existsSync(box.log)).toBe(false);
  });

  it("fails with a clear message when not root and without sudo", () => {
    const box = sandbox(1000);
    const res = box.run();
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/needs root/);
    expect(existsSync(box.log)).toBe(false);
  });

  it.skipIf(mosquittoBinary() === null)("finds the real mosquitto on this machine", () => {
    const res = spawnSync("/bin/bash", [SCRIPT], { encoding: "utf8" });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("mosquitto present");
  });
});
