// The config as it may be shown (bridge/info, logs): passwords never leave the process.
// File paths (tls.key) are not secrets, only the files' contents are.
import type { Config } from "./schema.js";

export const REDACTED = "***";

/** mqtt://user:secret@host keeps a password inside the URL: shown (bridge/info, logs) as ***. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password === "") return value;
    url.password = REDACTED;
    return url.toString();
  } catch {
    return value;
  }
}

export function redactConfig(config: Config): Config {
  const copy = structuredClone(config);
  if (copy.mqtt.password !== undefined) copy.mqtt.password = REDACTED;
  if (copy.embedded_broker.password !== undefined) copy.embedded_broker.password = REDACTED;
  if (copy.mqtt.server !== undefined) copy.mqtt.server = redactUrl(copy.mqtt.server);
  // The uplink's login, and its channel keys: a PSK is what lets anyone read that channel.
  if (copy.uplink.password !== undefined) copy.uplink.password = REDACTED;
  if (copy.uplink.server !== undefined) copy.uplink.server = redactUrl(copy.uplink.server);
  for (const name of Object.keys(copy.uplink.channels)) copy.uplink.channels[name] = REDACTED;
  return copy;
}
