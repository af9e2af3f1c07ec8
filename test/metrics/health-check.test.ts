import { describe, expect, it } from "vitest";
import { healthOf } from "../../src/metrics/health-check.js";

describe("/healthz verdict", () => {
  it("200 ok only with the radio connected and MQTT connected", () => {
    expect(healthOf({ radio: { state: "connected" }, mqttConnected: true })).toEqual({ code: 200, body: { status: "ok", radio: "connected", mqtt: "connected" } });
  });

  it("503 naming the radio's reason when the link is away", () => {
    const verdict = healthOf({ radio: { state: "disconnected", reason: "connection refused" }, mqttConnected: true });
    expect(verdict.code).toBe(503);
    expect(verdict.body).toEqual({ status: "unavailable", radio: "disconnected", mqtt: "connected", reason: "radio disconnected: connection refused" });
  });

  it("503 naming both when both are away", () => {
    const verdict = healthOf({ radio: { state: "connecting" }, mqttConnected: false });
    expect(verdict.code).toBe(503);
    expect(verdict.body.reason).toBe("radio connecting; MQTT broker not connected");
  });
});
