// Where an envelope came from, read from its topic: `<root>/2/e/<channel_id>/!<gateway>`
// (FIRMWARE.md; root is `msh` or `msh/<REGION>/...`). Pure.

export interface UplinkTopic {
  /** The channel's name, or "PKI" for PKI DMs. */
  channelId: string;
  /** The uplinking gateway's node id, "!a1b2c3d4" (lower case). */
  gateway: string;
}

const GATEWAY = /^![0-9a-f]{8}$/;

/** null: not an envelope topic (map reports, the JSON topic, anything else under the filter). */
export function parseUplinkTopic(topic: string): UplinkTopic | null {
  const levels = topic.split("/");
  const n = levels.length;
  if (n < 5) return null;
  if (levels[n - 4] !== "2" || levels[n - 3] !== "e") return null;
  const channelId = levels[n - 2] ?? "";
  const gateway = (levels[n - 1] ?? "").toLowerCase();
  if (channelId === "" || !GATEWAY.test(gateway)) return null;
  return { channelId, gateway };
}

/** The PKI topic's channel: DMs encrypted to one node's key, nothing a third party can read. */
export const PKI_CHANNEL = "PKI";
