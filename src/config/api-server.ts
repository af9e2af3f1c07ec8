// The `api_server` section (CONTRACT.md): the Meshtastic TCP API served to other clients over
// the bridge's one radio link, and the one cross-field rule it has: it must not listen where
// the radio itself is, or the bridge would connect to itself.
import { z } from "zod";

export const apiServerSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Serve the Meshtastic TCP API to other clients (the Python CLI, Home Assistant, apps) over the bridge's one radio link"),
    host: z.string().min(1).default("127.0.0.1").describe("Address the API server listens on; the Meshtastic API has no authentication, so keep it on loopback or a trusted network"),
    port: z.number().int().min(0).max(65535).default(4403).describe("Port of the API server (the firmware's is 4403); 0 = any free port"),
    max_clients: z.number().int().min(1).max(64).default(8).describe("Clients served at once; one more is refused"),
    admin: z
      .boolean()
      .default(false)
      .describe("false: clients' admin writes are refused, add_contact is absorbed and the radio's private key is blanked; true: admin messages and the private key pass through"),
    directory_nodes: z.boolean().default(false).describe("Also serve the nodes only the key directory knows (not in the radio's NodeDB)"),
  })
  .prefault({});

/** Names of this host's loopback interface: a listener on one of them is reached through any. */
function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Every local address: a listener there takes the port on loopback too. */
function isWildcard(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "");
  return h === "0.0.0.0" || h === "::" || h === "";
}

/**
 * The API server would listen on the radio's own address. Loopback names count as one
 * address (localhost, 127.0.0.1, ::1): `simulate` or meshtasticd on this host at 4403 is
 * reached through all of them. A radio elsewhere on the network is never the same address,
 * even at the same port; the built-in simulator (radio.host: simulator) takes a free port and
 * never collides.
 */
export function sameAddress(api: { host: string; port: number }, radio: { host: string; port: number }): boolean {
  if (api.port !== radio.port || api.port === 0) return false;
  if (api.host.toLowerCase() === radio.host.toLowerCase()) return true;
  const radioLocal = isLoopback(radio.host) || isWildcard(radio.host);
  return (isLoopback(api.host) && radioLocal) || (isWildcard(api.host) && radioLocal);
}

/** The message for api_server.port when the API server would listen on the radio's own address; null when it does not. */
export function ownAddressProblem(api: { enabled: boolean; host: string; port: number }, radio: { host?: string | undefined; port: number }): string | null {
  // The built-in simulator takes a free port of its own.
  if (!api.enabled || radio.host === undefined || radio.host === "simulator") return null;
  if (!sameAddress(api, { host: radio.host, port: radio.port })) return null;
  return `is the radio's own address (radio.host ${radio.host}, radio.port ${radio.port}): the bridge would serve itself; choose another api_server.port`;
}
