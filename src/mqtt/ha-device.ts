// The Home Assistant device and the fields every discovery payload of this bridge shares.
import { createHash } from "node:crypto";
import { bridgeTopics, type BridgeTopics } from "./topics.js";

export type DiscoveryPayload = Record<string, unknown>;

export interface DiscoveryMessage {
  topic: string;
  payload: DiscoveryPayload;
}

export interface DiscoveryOptions {
  base: string;
  prefix: string;
  version: string;
  /** Our radio's node id once known; shown as the device's serial number. */
  radioNodeId?: string | null;
}

/**
 * The fields every entity shares: availability on the will topic, device, origin.
 * (https://www.home-assistant.io/integrations/mqtt/#discovery-payload).
 */
export function commonFields(opts: DiscoveryOptions, t: BridgeTopics = bridgeTopics(opts.base)): DiscoveryPayload {
  const device: DiscoveryPayload = {
    identifiers: [`meshtastic-keysync_${deviceSlug(opts.base)}`],
    name: opts.base === "meshtastic-keysync" ? "Meshtastic KeySync" : `Meshtastic KeySync ${opts.base}`,
    model: "Meshtastic key sync bridge",
    manufacturer: "meshtastic-keysync",
    sw_version: opts.version,
  };
  // No via_device: the bridge talks to HA directly; the radio is not a device in HA.
  if (opts.radioNodeId) device.serial_number = opts.radioNodeId;
  return {
    availability: [{ topic: t.bridgeState, value_template: "{{ value_json.state }}" }],
    device,
    origin: { name: "meshtastic-keysync", sw_version: opts.version },
  };
}

/**
 * The base topic as a discovery node_id / unique-id prefix. HA allows only [a-zA-Z0-9_-] there;
 * a base topic with other characters gets a short hash so two such bases cannot collide.
 */
export function deviceSlug(base: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(base)) return base;
  const hash = createHash("sha256").update(base).digest("hex").slice(0, 8);
  return `${base.replace(/[^A-Za-z0-9_-]/g, "_")}_${hash}`;
}
