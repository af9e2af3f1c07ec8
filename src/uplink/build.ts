// The uplink from its config section: the listening client on uplink.server, the channel
// keys, the source that feeds the directory. Called by app.ts, which wires its figures.
import type { Config } from "../config/schema.js";
import { redactUrl } from "../config/redact.js";
import { clientTls } from "../config/tls.js";
import type { LogPort } from "../log-port.js";
import { ListeningMqttClient } from "../mqtt/listen-client.js";
import { systemClock } from "../timing/clock.js";
import { ChannelKeys } from "./channels.js";
import { MAX_ENVELOPE_BYTES } from "./decode.js";
import { UplinkSource, type UplinkSink } from "./source.js";

export function buildUplink(config: Config, sink: UplinkSink, log: LogPort): UplinkSource {
  const { uplink } = config;
  if (uplink.server === undefined) throw new Error("uplink.server is required with uplink.enabled (the schema checks it)");
  const client = new ListeningMqttClient({
    url: uplink.server,
    username: uplink.username,
    password: uplink.password,
    tls: clientTls(uplink.tls),
    filters: uplink.topics,
    // Room for the topic and headers around the largest envelope we read.
    maxPacketBytes: MAX_ENVELOPE_BYTES + 1024,
    log,
  });
  return new UplinkSource({
    client,
    sink,
    channels: new ChannelKeys(uplink.channels),
    maxPerMinute: uplink.max_per_minute,
    keyChange: config.sync.key_change,
    trust: uplink.trust,
    server: redactUrl(uplink.server),
    clock: systemClock,
    log,
  });
}
