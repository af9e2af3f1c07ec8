// The whole config of CONTRACT.md as one zod declaration: types, defaults, ranges and the
// description of every option. options.ts walks this schema to list the options, so --help,
// the environment mapping and config.yaml.sample can never disagree with what is accepted.
//
// Messages of custom checks are phrased to follow the offending value
// ("sync.interval: 5 is below ..."), see errors.ts.
import { z } from "zod";
import { topicPathProblem } from "../mqtt/topics.js";
import { INTERVAL } from "../sync/interval.js";
import { apiServerSchema, ownAddressProblem } from "./api-server.js";
import { isBrokerUrl } from "./broker-url.js";
import { tlsSchema } from "./tls-schema.js";
import { uplinkSchema } from "./uplink.js";

const topic = () =>
  z.string().refine((value) => topicPathProblem(value) === null, {
    message: 'is not a valid MQTT topic path (levels separated by "/", none empty, no + or # wildcards, not starting with $)',
  });

const text = () => z.string().min(1);

/** store.path when unset: its directory is created on first start (a path the user names must exist). */
export const DEFAULT_STORE_PATH = "./data/keys.json";
const port = () => z.number().int().min(1).max(65535);
const count = (max: number) => z.number().int().min(1).max(max);

// Settings of features that are not built yet: accepted so a shared config keeps working,
// refused when switched on, because a user who turns a feature on must not be ignored.

/** SERIAL_BAUD in the firmware (SerialConsole.cpp). */
export const SERIAL_BAUD = 115_200;

/**
 * Default on-demand syncs per minute. Over serial a nodes-only re-read is bound by the wire
 * (~30 KB at 250 nodes: ~2.6 s at 115200 baud, during which the radio holds live packets
 * back): six a minute would hold traffic a quarter of the time, two keep it under a tenth.
 */
export const ON_DEMAND_PER_MINUTE = { tcp: 6, serial: 2 } as const;

const nodeIdList = z.array(
  z.string().toLowerCase().regex(/^![0-9a-f]{8}$/, { message: 'is not a node id like "!a76f40da"' }),
);

export const configSchema = z
  .strictObject({
    radio: z
      .strictObject({
        host: text()
          .optional()
          .meta({
            description: 'Radio address (IP or name); "simulator" = the built-in simulated radio',
            defaultText: "required in a config file, unless radio.serial is set; without any config file: simulator",
          }),
        port: port().default(4403).describe("TCP port of the radio's API (with radio.host)"),
        serial: text()
          .optional()
          .meta({
            description: "Serial device of a radio on USB, instead of radio.host, e.g. /dev/serial/by-id/usb-...",
            defaultText: "none: the radio is reached over TCP (radio.host)",
          }),
        baud: z.number().int().min(1200).max(4_000_000).default(SERIAL_BAUD).describe("Baud rate of radio.serial (the firmware's is 115200)"),
      })
      .prefault({}),
    sync: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Run periodic full syncs"),
        interval: z.number().int().min(INTERVAL.min).max(INTERVAL.max).default(300).describe(`Seconds between full syncs, ${INTERVAL.min}..${INTERVAL.max}`),
        initial_delay: z.number().int().min(0).max(86400).default(0).describe("Seconds after the radio connects before the first re-read; the connection's own NodeDB download is already sync 1, and 0 means one interval"),
        strategy: z
          .enum(["inband", "connection"])
          .default("inband")
          .describe("inband: re-read the NodeDB on the bridge's own connection; connection: a temporary second TCP connection (multi-client proxies only)"),
        source: z
          .strictObject({
            host: text().optional().meta({ description: "Host of the second connection (strategy connection only)", defaultText: "radio.host" }),
            port: port().optional().meta({ description: "Port of the second connection (strategy connection only)", defaultText: "radio.port" }),
            proxy: z.boolean().default(false).describe("true confirms that the source serves several TCP clients (a radio serves only one)"),
          })
          .prefault({}),
        on_demand: z.boolean().default(true).describe("Sync at once when a signal shows a key we lack"),
        on_demand_max_per_minute: count(600)
          .optional()
          .meta({
            description: "At most this many on-demand syncs per minute",
            defaultText: `${ON_DEMAND_PER_MINUTE.tcp}; ${ON_DEMAND_PER_MINUTE.serial} with radio.serial (each re-read holds a 115200-baud line ~2.6 s at 250 nodes)`,
          }),
        key_change: z
          .enum(["alert", "pin"])
          .default("alert")
          .describe("alert: take a node's new key and raise an event; pin: keep the old key and raise an event; either way changed until accept_key or reject_key"),
      })
      .prefault({}),
    send: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Allow the send command (PKI direct messages through the radio)"),
        max_per_minute: count(600).default(6).describe("At most this many send commands per minute"),
        timeout: z.number().int().min(1).max(600).default(30).describe("Seconds to wait for the radio's routing result"),
      })
      .prefault({}),
    mqtt: z
      .strictObject({
        server: z
          .string()
          .refine(isBrokerUrl, { message: "is not a broker URL like mqtt://host:1883 (mqtt, mqtts, ws or wss)" })
          .optional()
          .meta({ description: "Broker URL, e.g. mqtt://192.168.1.10:1883", defaultText: "none: run the embedded broker" }),
        base_topic: topic().default("meshtastic-keysync").describe("Prefix of every topic; also this bridge's gateway name"),
        username: text().optional().describe("Broker login"),
        password: text().optional().describe("Broker password"),
        client_id: text().optional().meta({ description: "MQTT client id", defaultText: "<base_topic>-<6 random hex chars>" }),
        tls: tlsSchema(),
      })
      .prefault({}),
    api_server: apiServerSchema,
    embedded_broker: z
      .strictObject({
        host: text().default("127.0.0.1").describe("Address the embedded broker listens on (used when mqtt.server is not set)"),
        port: z.number().int().min(0).max(65535).default(1883).describe("Port of the embedded broker; 0 = any free port"),
        username: text().optional().describe("Login the embedded broker requires (set both username and password, or neither)"),
        password: text().optional().describe("Password the embedded broker requires"),
      })
      .superRefine((broker, ctx) => {
        if ((broker.username === undefined) !== (broker.password === undefined)) {
          const missing = broker.username === undefined ? "username" : "password";
          ctx.addIssue({ code: "custom", path: [missing], message: "must be set together with the other of username and password (set both to require login, or neither)" });
        }
      })
      .prefault({}),
    homeassistant: z
      .strictObject({
        enabled: z.boolean().default(true).describe("Publish Home Assistant discovery"),
        discovery_prefix: topic().default("homeassistant").describe("Home Assistant's discovery prefix"),
        status_topic: topic().default("homeassistant/status").describe("Topic where Home Assistant announces it is online (discovery is then republished)"),
        node_entities: z.enum(["none", "watched", "all"]).default("watched").describe("Per-node entities: none, watched (the nodes in watch) or all"),
        watch: nodeIdList.default([]).describe('Node ids that get per-node entities, e.g. ["!a76f40da"]'),
      })
      .prefault({}),
    store: z
      .strictObject({
        // null = memory only. A file can't ask for that (a blank value means "not set");
        // only demo mode (no config file) uses it, so fake keys never land in a real store.
        path: text()
          .nullable()
          .default(DEFAULT_STORE_PATH)
          .describe("File that keeps the key directory across restarts, with its journal beside it (relative to the working directory; its directory must exist)"),
      })
      .prefault({}),
    log_level: z.enum(["trace", "debug", "info", "warn", "error"]).default("info").describe("trace, debug, info, warn or error"),
    share: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Publish the public keys our radio learned and merge those of trusted gateways on the broker"),
        topic: topic().default("meshtastic-keysync/directory").describe("Retained key directory shared by gateways: <topic>/<gateway>/<node id>"),
        trust: z.array(text()).default(["*"]).describe('Gateways whose keys are merged ("*" = every gateway on the broker)'),
      })
      .prefault({}),
    push: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Put keys into the radio with AdminMessage.add_contact: automatically only a key it lacks; the push command may also repair a stale one (also marks the node favourite on the radio)"),
        max_per_hour: count(1000).default(20).describe("At most this many pushes per hour"),
      })
      .prefault({}),
    uplink: uplinkSchema,
    metrics: z
      .strictObject({
        enabled: z.boolean().default(false).describe("Serve Prometheus metrics on GET /metrics and a health check on GET /healthz"),
        host: text().default("127.0.0.1").describe("Address the metrics listener binds to (0.0.0.0 for a scraper on another host)"),
        port: z.number().int().min(0).max(65535).default(9464).describe("Port of the metrics listener; 0 = any free port"),
      })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const apiProblem = ownAddressProblem(config.api_server, config.radio);
    if (apiProblem !== null) ctx.addIssue({ code: "custom", path: ["api_server", "port"], message: apiProblem });
    if (config.radio.host !== undefined && config.radio.serial !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["radio", "serial"],
        message: "cannot be used together with radio.host: set one of them (radio.host for a radio on the network, radio.serial for one on USB)",
      });
    }
    const source = config.sync.source;
    if (config.radio.serial !== undefined) {
      // The second connection is TCP: to a proxy that serves this radio too, never the port itself.
      if (config.sync.strategy === "connection" && source.host === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["sync", "source", "host"],
          message: "required for sync.strategy connection with radio.serial: the second connection is TCP, to a multi-client proxy that serves this radio",
        });
      }
      return;
    }
    // A second TCP connection to the bot's own radio takes its single client slot from the
    // bridge (ServerAPI.cpp force-closes the first client). Only a multi-client proxy in front
    // of the radio can serve both, so that case needs the user's explicit confirmation.
    const sameTarget = (source.host === undefined || source.host === config.radio.host) && (source.port ?? config.radio.port) === config.radio.port;
    if (config.sync.strategy === "connection" && sameTarget && !source.proxy) {
      ctx.addIssue({
        code: "custom",
        path: ["sync", "strategy"],
        message:
          "against the bridge's own radio needs sync.source.proxy: true, confirming that it is a proxy serving several TCP clients (a radio serves only one and would drop the bridge's connection)",
      });
    }
  });

/** The config as the schema returns it, before load.ts fills the computed defaults. */
export type ParsedConfig = z.output<typeof configSchema>;

/** Exactly one of the two ways to reach the radio. */
export type RadioConfig = ParsedConfig["radio"] & ({ host: string; serial?: undefined } | { host?: undefined; serial: string });

/**
 * The config the app runs with (snake_case keys as in the file). Compared with the file:
 * - exactly one of `radio.host` and `radio.serial` is set (load.ts requires one in a file,
 *   demo mode uses host "simulator");
 * - `mqtt.client_id` is always set (`<base_topic>-<6 random hex>` when not given);
 * - `sync.source.port` is always set and `sync.source.host` is unless the radio is on serial
 *   (radio.host/radio.port when not given);
 * - `sync.on_demand_max_per_minute` is always set (its default depends on the line);
 * - `store.path` is null for memory only, which only demo mode (no config file) uses.
 */
export type Config = Omit<ParsedConfig, "radio" | "mqtt" | "sync"> & {
  radio: RadioConfig;
  mqtt: ParsedConfig["mqtt"] & { client_id: string };
  sync: ParsedConfig["sync"] & { on_demand_max_per_minute: number; source: ParsedConfig["sync"]["source"] & { host: string | undefined; port: number } };
};

/** Fills the defaults that depend on other values; `clientSuffix` is the random part. */
export function completeConfig(parsed: ParsedConfig, radioHost: string | undefined, clientSuffix: string): Config {
  const serial = parsed.radio.serial;
  let radio: RadioConfig;
  if (radioHost !== undefined) radio = { ...parsed.radio, host: radioHost, serial: undefined };
  else if (serial !== undefined) radio = { ...parsed.radio, host: undefined, serial };
  else throw new TypeError("completeConfig: neither radio.host nor radio.serial is set");
  return {
    ...parsed,
    radio,
    mqtt: { ...parsed.mqtt, client_id: parsed.mqtt.client_id ?? `${parsed.mqtt.base_topic}-${clientSuffix}` },
    sync: {
      ...parsed.sync,
      on_demand_max_per_minute: parsed.sync.on_demand_max_per_minute ?? (serial !== undefined ? ON_DEMAND_PER_MINUTE.serial : ON_DEMAND_PER_MINUTE.tcp),
      source: {
        ...parsed.sync.source,
        host: parsed.sync.source.host ?? radioHost,
        port: parsed.sync.source.port ?? parsed.radio.port,
      },
    },
  };
}
