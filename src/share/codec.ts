// The shared key directory's wire format: one retained message per gateway and node at
// `<share.topic>/<gateway>/<node id>`. Pure: build, parse and validate. Only public keys
// travel; a payload that is not exactly what we publish is refused, never half-read.
import { nodeId, parseNodeId } from "../node-id.js";

export interface SharedKey {
  id: string;
  num: number;
  publicKey: Uint8Array;
  longName: string;
  shortName: string;
  /** Unix seconds the gateway learned the key. */
  learnedAt: number;
}

export interface SharedKeyMessage {
  gateway: string;
  key: SharedKey;
}

/** A gateway's messages are at most this big; anything larger is not ours. */
export const MAX_SHARE_PAYLOAD = 2048;

export function shareTopic(topic: string, gateway: string, id: string): string {
  return `${topic}/${gateway}/${id}`;
}

export function shareFilter(topic: string): string {
  return `${topic}/#`;
}

export function encodeSharedKey(gateway: string, key: SharedKey, fingerprint: string): string {
  return JSON.stringify({
    gateway,
    id: key.id,
    num: key.num,
    public_key: Buffer.from(key.publicKey).toString("base64"),
    fingerprint,
    long_name: key.longName,
    short_name: key.shortName,
    learned_at: key.learnedAt,
  });
}

export type ParsedShare = { ok: true; message: SharedKeyMessage | null } | { ok: false; reason: string };

/**
 * Reads one message of the shared directory. The gateway name is everything between the
 * share topic and the node id, so base topics with `/` in them still work. An empty payload
 * (a cleared topic) is `message: null`: nothing to merge, and never a reason to delete.
 */
export function parseSharedKey(topic: string, shareRoot: string, payload: Buffer): ParsedShare {
  const prefix = `${shareRoot}/`;
  if (!topic.startsWith(prefix)) return { ok: false, reason: "not a shared-directory topic" };
  const rest = topic.slice(prefix.length);
  const cut = rest.lastIndexOf("/");
  const gateway = rest.slice(0, cut);
  const id = rest.slice(cut + 1).toLowerCase();
  const num = parseNodeId(id);
  if (cut <= 0 || num === null) return { ok: false, reason: `topic ${topic} is not <topic>/<gateway>/<node id>` };
  if (payload.length === 0) return { ok: true, message: null };
  if (payload.length > MAX_SHARE_PAYLOAD) return { ok: false, reason: `payload of ${payload.length} bytes is too large` };
  let data: unknown;
  try {
    data = JSON.parse(payload.toString("utf8"));
  } catch {
    return { ok: false, reason: "payload is not JSON" };
  }
  if (typeof data !== "object" || data === null) return { ok: false, reason: "payload is not an object" };
  const record = data as Record<string, unknown>;
  const key = typeof record.public_key === "string" ? Buffer.from(record.public_key, "base64") : null;
  if (!key || key.length !== 32 || key.every((b) => b === 0) || Buffer.from(key).toString("base64") !== record.public_key) {
    return { ok: false, reason: "public_key is not 32 bytes of base64" };
  }
  if (typeof record.id === "string" && record.id.toLowerCase() !== nodeId(num)) {
    return { ok: false, reason: `payload id ${record.id} does not match the topic's ${id}` };
  }
  return {
    ok: true,
    message: {
      gateway,
      key: {
        id: nodeId(num),
        num,
        publicKey: Uint8Array.from(key),
        longName: text(record.long_name, 64),
        shortName: text(record.short_name, 8),
        learnedAt: typeof record.learned_at === "number" && Number.isFinite(record.learned_at) ? Math.max(0, Math.floor(record.learned_at)) : 0,
      },
    },
  };
}

/** `trust` lists gateway names; "*" trusts every gateway on the broker. */
export function isTrusted(gateway: string, trust: readonly string[]): boolean {
  return trust.includes("*") || trust.includes(gateway);
}

function text(value: unknown, max: number): string {
  return typeof value === "string" ? value.slice(0, max) : "";
}
