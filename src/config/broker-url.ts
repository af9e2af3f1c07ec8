// What counts as a broker URL in the config (mqtt.server, uplink.server).

// Protocols MQTT.js can connect with.
const BROKER_PROTOCOLS = ["mqtt:", "mqtts:", "tcp:", "tls:", "ssl:", "ws:", "wss:"];

export function isBrokerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return BROKER_PROTOCOLS.includes(url.protocol) && url.hostname !== "";
  } catch {
    return false;
  }
}
