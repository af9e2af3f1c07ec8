#!/usr/bin/env bash
# Makes sure a program the tests need exists, installing its Debian package when it does not:
#   ensure-package.sh <program> <package> [--service]
# `--service` marks a package that ships a system service (mosquitto): the tests start their
# own instance on a probed loopback port, so the packaged service must never start (it would
# hold its port for good and outlive the test run). socat has no service and needs nothing
# more than the package.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: ensure-package.sh <program> <package> [--service]" >&2
  exit 2
fi
PROGRAM="$1"
PACKAGE="$2"
SERVICE=0
if [ "${3:-}" = "--service" ]; then SERVICE=1; fi
NAME="ensure-package ($PROGRAM)"

# A prefix for every system path below; set only by the script's own tests, so they can run
# it against a scratch tree instead of the machine's /usr, /etc and /run.
ROOT="${ENSURE_PACKAGE_ROOT:-}"
SBIN="$ROOT/usr/sbin"

# Debian puts daemons in /usr/sbin, which is not on every user's PATH.
find_program() {
  if command -v "$PROGRAM" >/dev/null 2>&1; then
    command -v "$PROGRAM"
  elif [ -x "$SBIN/$PROGRAM" ]; then
    echo "$SBIN/$PROGRAM"
  elif [ -x "$ROOT/usr/bin/$PROGRAM" ]; then
    echo "$ROOT/usr/bin/$PROGRAM"
  else
    return 1
  fi
}

if found=$(find_program); then
  echo "$PROGRAM present: $found"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "$NAME: $PROGRAM is not installed, and installing it needs root" \
    "(or password-less sudo). Install the Debian package '$PACKAGE' by hand." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "$NAME: $PROGRAM is not installed and apt-get is not available;" \
    "install $PACKAGE with this system's package manager." >&2
  exit 1
fi

# policy-rc.d exiting 101 is Debian's documented way to tell invoke-rc.d (and
# deb-systemd-invoke) not to start services during an install
# (https://people.debian.org/~hmh/invokerc.d-policyrc.d-specification.txt). Only add one if
# the machine has none, and remove exactly the one we added.
POLICY="$SBIN/policy-rc.d"
added_policy=0
cleanup() {
  if [ "$added_policy" -eq 1 ]; then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT
if [ "$SERVICE" -eq 1 ] && [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  added_policy=1
fi

echo "$NAME: installing Debian package $PACKAGE" >&2
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2; then
  echo "$NAME: apt-get update failed" >&2
  exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends "$PACKAGE" >&2; then
  echo "$NAME: apt-get install $PACKAGE failed" >&2
  exit 1
fi

# Belt and braces: policy-rc.d only stops the service from starting now; the package still
# enables it for the next boot. Disable it (systemd, also offline, and sysvinit) and stop it
# in case a service manager ignored the policy. Skipped in the tests' scratch tree, so they
# never touch the machine's services.
if [ "$SERVICE" -eq 1 ] && [ -z "$ROOT" ]; then
  if command -v systemctl >/dev/null 2>&1; then
    "${SUDO[@]}" systemctl disable --now "$PACKAGE" >/dev/null 2>&1 ||
      "${SUDO[@]}" systemctl disable "$PACKAGE" >/dev/null 2>&1 || true
  fi
  if [ -x "/etc/init.d/$PACKAGE" ]; then
    "${SUDO[@]}" "/etc/init.d/$PACKAGE" stop >/dev/null 2>&1 || true
    if command -v update-rc.d >/dev/null 2>&1 || [ -x /usr/sbin/update-rc.d ]; then
      "${SUDO[@]}" env PATH="$PATH:/usr/sbin:/sbin" update-rc.d "$PACKAGE" disable >/dev/null 2>&1 || true
    fi
  fi
fi

if found=$(find_program); then
  echo "$PROGRAM installed: $found"
else
  echo "$NAME: the package installed but no $PROGRAM binary was found" \
    "on PATH, at $SBIN/$PROGRAM or at $ROOT/usr/bin/$PROGRAM" >&2
  exit 1
fi
