// Why the broker refused something, in words people can act on. MQTT 5 sends a reason code
// in CONNACK, PUBACK, SUBACK and DISCONNECT (MQTT 5.0 section 2.4, table 2-6); MQTT 3.1.1
// has only the CONNACK return codes 1-5 (section 3.2.2.3) and SUBACK's failure 0x80. The
// two sets do not overlap, so one table reads both.

/** MQTT 3.1.1 CONNACK 1 / MQTT 5 0x84: the broker does not speak the version we asked for. */
export const UNSUPPORTED_PROTOCOL = [0x01, 0x84] as const;
export const NOT_AUTHORIZED = 0x87;
export const SESSION_TAKEN_OVER = 0x8e;
export const PACKET_TOO_LARGE = 0x95;

const TEXT: Readonly<Record<number, string>> = {
  0x01: "unacceptable protocol version",
  0x02: "client identifier rejected",
  0x03: "server unavailable",
  0x04: "bad user name or password",
  0x05: "not authorized",
  0x80: "unspecified error",
  0x81: "malformed packet",
  0x82: "protocol error",
  0x83: "implementation specific error",
  0x84: "unsupported protocol version",
  0x85: "client identifier not valid",
  0x86: "bad user name or password",
  0x87: "not authorized",
  0x88: "server unavailable",
  0x89: "server busy",
  0x8a: "banned",
  0x8b: "server shutting down",
  0x8c: "bad authentication method",
  0x8d: "keep alive timeout",
  0x8e: "session taken over",
  0x8f: "topic filter invalid",
  0x90: "topic name invalid",
  0x93: "receive maximum exceeded",
  0x95: "packet too large",
  0x96: "message rate too high",
  0x97: "quota exceeded",
  0x98: "administrative action",
  0x99: "payload format invalid",
  0x9a: "retain not supported",
  0x9b: "QoS not supported",
  0x9c: "use another server",
  0x9d: "server moved",
  0x9f: "connection rate exceeded",
  0xa0: "maximum connect time",
};

/** What the broker's likely cause is, for the reasons that have a usual one. */
const HINT: Readonly<Record<number, string>> = {
  0x05: "the broker's ACL or login",
  0x87: "the broker's ACL or login",
  0x8e: "another client connected with the same client_id (two bridges with one mqtt.client_id?)",
  0x95: "a message over the broker's max_packet_size",
};

/** "not authorized (0x87)"; an unknown code still names its number. */
export function reasonText(code: number): string {
  const hex = `0x${code.toString(16).padStart(2, "0")}`;
  return `${TEXT[code] ?? "reason"} (${hex})`;
}

/** reasonText with the usual cause when there is one: for warnings. */
export function reasonWithHint(code: number): string {
  const hint = HINT[code];
  return hint === undefined ? reasonText(code) : `${reasonText(code)}: ${hint}`;
}

/** The reason code an MQTT.js error carries (a refused CONNACK, PUBACK or SUBACK), if any. */
export function reasonCodeOf(error: unknown): number | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 0xff ? code : null;
}

/**
 * Bytes of a PUBLISH packet (MQTT 5.0 section 3.3, 3.1.1 section 3.3): fixed header,
 * topic, packet id for QoS 1, the property length (MQTT 5, none set), payload. A broker
 * that announces a Maximum Packet Size (MQTT 5 CONNACK) drops the connection of a client
 * that sends more [MQTT-3.2.2-15], so we measure before sending.
 */
export function publishPacketBytes(topic: string, payloadBytes: number, qos: 0 | 1, v5: boolean): number {
  const remaining = 2 + Buffer.byteLength(topic, "utf8") + (qos > 0 ? 2 : 0) + (v5 ? 1 : 0) + payloadBytes;
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  return 1 + lengthBytes + remaining;
}
