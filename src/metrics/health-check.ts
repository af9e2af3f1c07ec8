// GET /healthz: the verdict a container orchestrator or load balancer acts on. Pure: the
// radio link's state and the MQTT connection in, the status code and JSON body out.
import type { RadioStatus } from "../radio/link.js";

export interface HealthInput {
  radio: RadioStatus;
  mqttConnected: boolean;
}

export interface HealthVerdict {
  code: 200 | 503;
  body: { status: "ok" | "unavailable"; radio: RadioStatus["state"]; mqtt: "connected" | "disconnected"; reason?: string };
}

/** 200 only while both links are up: either one away means keys neither reach the radio nor leave over MQTT. */
export function healthOf({ radio, mqttConnected }: HealthInput): HealthVerdict {
  const mqtt = mqttConnected ? "connected" : "disconnected";
  const reasons: string[] = [];
  if (radio.state !== "connected") reasons.push(`radio ${radio.state}${radio.reason ? `: ${radio.reason}` : ""}`);
  if (!mqttConnected) reasons.push("MQTT broker not connected");
  if (reasons.length === 0) return { code: 200, body: { status: "ok", radio: radio.state, mqtt } };
  return { code: 503, body: { status: "unavailable", radio: radio.state, mqtt, reason: reasons.join("; ") } };
}
