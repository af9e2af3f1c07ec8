#!/usr/bin/env bash
# Makes sure a `socat` binary exists for the serial tests (test/helpers/pty-pair.ts): they
# make a pseudo-terminal pair with it, the simulated radio on one end and the bridge's
# serial link on the other. socat is a plain program with no service, so all that is needed
# is Debian's package.
set -euo pipefail

# A prefix for the bin path below; set only by the script's own tests, so they can run it
# against a scratch tree.
ROOT="${ENSURE_SOCAT_ROOT:-}"
BIN="$ROOT/usr/bin"

find_socat() {
  if command -v socat >/dev/null 2>&1; then
    command -v socat
  elif [ -x "$BIN/socat" ]; then
    echo "$BIN/socat"
  else
    return 1
  fi
}

if found=$(find_socat); then
  echo "socat present: $found"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "ensure-socat: socat is not installed, and installing it needs root" \
    "(or password-less sudo). Install the Debian package 'socat' by hand." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-socat: socat is not installed and apt-get is not available;" \
    "install socat with this system's package manager." >&2
  exit 1
fi

echo "ensure-socat: installing Debian package socat" >&2
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2; then
  echo "ensure-socat: apt-get update failed" >&2
  exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends socat >&2; then
  echo "ensure-socat: apt-get install socat failed" >&2
  exit 1
fi

if found=$(find_socat); then
  echo "socat installed: $found"
else
  echo "ensure-socat: the package installed but no socat binary was found" \
    "on PATH or at $BIN/socat" >&2
  exit 1
fi
