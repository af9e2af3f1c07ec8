// The `uplink` section (CONTRACT.md "The mesh's MQTT uplink"): a second broker, the one the
// mesh's radios uplink to, read as a key source of the lowest trust. The PSKs are checked
// here, with the field named, because a wrong length would only show later as "undecryptable".
import { z } from "zod";
import { isBrokerUrl } from "./broker-url.js";
import { tlsSchema } from "./tls-schema.js";

/** PSK lengths the firmware accepts: none, a 1-byte index into the default key, AES-128, AES-256. */
const PSK_LENGTHS = [0, 1, 16, 32];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** null, or why `value` is not a channel PSK the firmware would take. */
export function pskProblem(value: string): string | null {
  if (!BASE64.test(value) || value.length % 4 !== 0) return "is not base64 (a channel PSK as the Meshtastic apps show it, e.g. AQ==)";
  const bytes = Buffer.from(value, "base64").length;
  if (!PSK_LENGTHS.includes(bytes)) return `is ${bytes} bytes; a channel PSK has 0, 1, 16 or 32 bytes`;
  return null;
}

/** null, or why `filter` is not an MQTT topic filter ([MQTT-4.7.1-2], [MQTT-4.7.1-3]). */
export function filterProblem(filter: string): string | null {
  const levels = filter.split("/");
  for (const [i, level] of levels.entries()) {
    if (level.includes("#") && (level !== "#" || i !== levels.length - 1)) return 'is not a topic filter: "#" must be a whole level, and the last';
    if (level.includes("+") && level !== "+") return 'is not a topic filter: "+" must be a whole level';
  }
  return null;
}

export const uplinkSchema = z
  .strictObject({
    enabled: z.boolean().default(false).describe("Learn keys from the mesh's MQTT uplink (ServiceEnvelopes of radios with an MQTT uplink); they are claims, trusted least"),
    server: z
      .string()
      .refine(isBrokerUrl, { message: "is not a broker URL like mqtt://host:1883 (mqtt, mqtts, ws or wss)" })
      .optional()
      .meta({ description: "The broker the mesh's radios uplink to, e.g. mqtt://mqtt.example.org:1883 (may differ from mqtt.server)", defaultText: "none: required with uplink.enabled" }),
    username: z.string().min(1).optional().describe("Login on the uplink broker"),
    password: z.string().min(1).optional().describe("Password on the uplink broker"),
    tls: tlsSchema(),
    topics: z
      .array(
        z.string().min(1).superRefine((filter, ctx) => {
          const problem = filterProblem(filter);
          if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
        }),
      )
      .min(1)
      .default(["msh/#"]).describe('Topic filters the radios uplink under, e.g. ["msh/EU_868/#"]'),
    channels: z
      .record(z.string().min(1), z.string().superRefine((psk, ctx) => {
        const problem = pskProblem(psk);
        if (problem !== null) ctx.addIssue({ code: "custom", message: problem });
      }))
      .default({})
      .meta({ description: "Channel name -> base64 PSK of channels to decrypt, e.g. {\"Friends\": \"<base64>\"}", defaultText: "{} (LongFast/AQ== is known without config)" }),
    max_per_minute: z.number().int().min(1).max(1_000_000).default(600).describe("Envelopes processed per minute; more are counted and dropped unread"),
    trust: z
      .enum(["claim", "confirmed"])
      .default("claim")
      .describe("claim: an uplink key fills a node without one and is never confirmed by itself; confirmed: treated as a trusted gateway's (only for a closed broker you run)"),
  })
  .superRefine((uplink, ctx) => {
    if (uplink.enabled && uplink.server === undefined) {
      ctx.addIssue({ code: "custom", path: ["server"], message: "is required with uplink.enabled: the broker the mesh's radios uplink to" });
    }
  })
  .prefault({});
