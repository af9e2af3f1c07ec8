#!/usr/bin/env bash
# Makes sure a `mosquitto` binary exists for the integration tests (test/helpers/mosquitto.ts).
# The tests start their own mosquitto on a probed loopback port with a generated config, so
# all we need is the binary: the Debian package's system service must not be started (it
# would hold port 1883 for good and outlive the test run).
set -euo pipefail

# A prefix for every system path below; set only by the script's own tests, so they can run
# it against a scratch tree instead of the machine's /usr/sbin, /etc and /run.
ROOT="${ENSURE_MOSQUITTO_ROOT:-}"
SBIN="$ROOT/usr/sbin"

find_mosquitto() {
  if command -v mosquitto >/dev/null 2>&1; then
    command -v mosquitto
  elif [ -x "$SBIN/mosquitto" ]; then
    echo "$SBIN/mosquitto"
  else
    return 1
  fi
}

if found=$(find_mosquitto); then
  echo "mosquitto present: $found"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO=(sudo -n)
else
  echo "ensure-mosquitto: mosquitto is not installed, and installing it needs root" \
    "(or password-less sudo). Install the Debian package 'mosquitto' by hand." >&2
  exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-mosquitto: mosquitto is not installed and apt-get is not available;" \
    "install mosquitto with this system's package manager." >&2
  exit 1
fi

# policy-rc.d exiting 101 is Debian's documented way to tell invoke-rc.d (and
# deb-systemd-invoke) not to start services during an install
# (https://people.debian.org/~hmh/invokerc.d-policyrc.d-specification.txt). Only add one if
# the machine has none, and remove exactly the one we added.
POLICY="$SBIN/policy-rc.d"
added_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null
  "${SUDO[@]}" chmod 755 "$POLICY"
  added_policy=1
fi
cleanup() {
  if [ "$added_policy" -eq 1 ]; then "${SUDO[@]}" rm -f "$POLICY"; fi
}
trap cleanup EXIT

export DEBIAN_FRONTEND=noninteractive
echo "ensure-mosquitto: installing Debian package mosquitto" >&2
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2; then
  echo "ensure-mosquitto: apt-get update failed" >&2
  exit 1
fi
if ! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
  --no-install-recommends mosquitto >&2; then
  echo "ensure-mosquitto: apt-get install mosquitto failed" >&2
  exit 1
fi

# Belt and braces: policy-rc.d only stops the service from starting now; the package still
# enables it for the next boot. Disable it (systemd, also offline, and sysvinit) and stop it
# in case a service manager ignored the policy. Skipped in the tests' scratch tree, so they
# never touch the machine's services.
if [ -z "$ROOT" ]; then
  if command -v systemctl >/dev/null 2>&1; then
    "${SUDO[@]}" systemctl disable --now mosquitto >/dev/null 2>&1 ||
      "${SUDO[@]}" systemctl disable mosquitto >/dev/null 2>&1 || true
  fi
  if [ -x /etc/init.d/mosquitto ]; then
    "${SUDO[@]}" /etc/init.d/mosquitto stop >/dev/null 2>&1 || true
    if command -v update-rc.d >/dev/null 2>&1 || [ -x /usr/sbin/update-rc.d ]; then
      "${SUDO[@]}" env PATH="$PATH:/usr/sbin:/sbin" update-rc.d mosquitto disable >/dev/null 2>&1 || true
    fi
  fi
fi

if found=$(find_mosquitto); then
  echo "mosquitto installed: $found"
else
  echo "ensure-mosquitto: the package installed but no mosquitto binary was found" \
    "on PATH or at $SBIN/mosquitto" >&2
  exit 1
fi
