#!/bin/sh
# The add-on's start: its options become the bridge's config, then the bridge runs in this
# process's place (it receives the Supervisor's stop signal itself).
set -e
node /app/addon/options-to-config.mjs
exec node /app/bin/meshtastic-keysync.js --config /data/config.yaml
