// The Home Assistant devices (the bridge, and one per mesh node) and the fields every discovery
// payload of this bridge shares.
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
  /** `push.enabled`: per-node "Push key to radio" buttons. */
  push?: boolean;
  /** `uplink.enabled`: the uplink's diagnostic sensor. */
  uplink?: boolean;
}

/** The bridge device's name in Home Assistant (entity ids derive from it). */
export function bridgeDeviceName(base: string): string {
  return base === "meshtastic-keysync" ? "Meshtastic KeySync" : `Meshtastic KeySync ${base}`;
}

/** The bridge device's identifier: from the base topic only, so it is known before the radio answers. */
export function bridgeDeviceId(base: string): string {
  return `meshtastic-keysync_${deviceSlug(base)}`;
}

/**
 * The bridge device. Nothing in it comes from the radio (no serial number): discovery must
 * not change when the radio answers, or Home Assistant is sent every config twice per start.
 */
export function bridgeDevice(opts: DiscoveryOptions): DiscoveryPayload {
  return {
    identifiers: [bridgeDeviceId(opts.base)],
    name: bridgeDeviceName(opts.base),
    model: "Meshtastic key sync bridge",
    manufacturer: "meshtastic-keysync",
    sw_version: opts.version,
  };
}

/**
 * The fields every entity shares: availability on the will topic, device, origin
 * (https://www.home-assistant.io/integrations/mqtt/#discovery-payload). No via_device on the
 * bridge: it talks to HA directly; the radio is not a device in HA.
 */
export function commonFields(
  opts: DiscoveryOptions,
  t: BridgeTopics = bridgeTopics(opts.base),
  device: DiscoveryPayload = bridgeDevice(opts),
): DiscoveryPayload {
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
