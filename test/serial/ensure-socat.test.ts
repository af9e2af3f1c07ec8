// scripts/ensure-socat.sh on its install path, with socat hidden and a fake apt-get, so the
// test is fast and changes nothing on the machine. (The real path is what npm test runs.)
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "../../scripts/ensure-socat.sh");
const HIDDEN = new Set(["socat", "apt-get", "id", "sudo"]);
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A PATH of symlinks to /usr/bin without socat, apt-get, id and sudo, plus fakes. */
function sandbox(uid: number) {
  const root = mkdtempSync(join(tmpdir(), "ensure-socat-"));
  dirs.push(root);
  const bin = join(root, "bin");
  const target = join(root, "usr/bin");
  mkdirSync(bin);
  mkdirSync(target, { recursive: true });
  for (const name of readdirSync("/usr/bin")) {
    if (!HIDDEN.has(name)) symlinkSync(join("/usr/bin", name), join(bin, name));
  }
  const log = join(root, "apt.log");
  const script = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  script("id", `if [ "$1" = "-u" ]; then echo ${uid}; else /usr/bin/id "$@"; fi`);
  script("apt-get", [`echo "apt-get $*" >> "${log}"`, `case "$*" in *install*) printf '#!/bin/sh\\n' > "${target}/socat"; chmod 755 "${target}/socat";; esac`, "exit 0"].join("\n"));
  const run = () => spawnSync("/bin/bash", [SCRIPT], { env: { PATH: bin, ENSURE_SOCAT_ROOT: root, HOME: root }, encoding: "utf8" });
  return { run, log, target };
}

describe("ensure-socat.sh", () => {
  it("installs the Debian package when socat is missing", () => {
    const box = sandbox(0);
    const res = box.run();
    expect(res.status, res.stderr).toBe(0);
    expect(readFileSync(box.log, "utf8").trim().split("\n")).toEqual(["apt-get update -q", "apt-get install -y -q --no-install-recommends socat"]);
    expect(res.stdout).toContain(`socat installed: ${box.target}/socat`);
  });

  it("does nothing when socat is there", () => {
    const box = sandbox(0);
    writeFileSync(join(box.target, "socat"), "#!/bin/sh\n");
    chmodSync(join(box.target, "socat"), 0o755);
    const res = box.run();
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("socat present");
    expect(existsSync(box.log)).toBe(false);
  });

  it("fails with a clear message when not root and without sudo", () => {
    const box = sandbox(1000);
    const res = box.run();
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(/needs root/);
    expect(existsSync(box.log)).toBe(false);
  });
});
