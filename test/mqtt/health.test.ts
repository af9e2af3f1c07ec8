import { describe, expect, it } from "vitest";
import { MAX_LISTED, MqttHealth } from "../../src/mqtt/health.js";
import { publishPacketBytes, reasonCodeOf, reasonText, reasonWithHint } from "../../src/mqtt/reasons.js";
import { retainedRequestResponse, RETAINED_REQUEST_ERROR } from "../../src/mqtt/retained-requests.js";

describe("MqttHealth", () => {
  it("reports each refused topic once per reason, and forgets it once accepted", () => {
    const h = new MqttHealth();
    expect(h.deniedPublish("b/bridge/info", "not authorized (0x87)")).toBe(true);
    expect(h.deniedPublish("b/bridge/info", "not authorized (0x87)")).toBe(false);
    expect(h.deniedPublish("b/bridge/info", "quota exceeded (0x97)")).toBe(true);
    expect(h.deniedSubscribe("b/bridge/request/#", "not authorized (0x87)")).toBe(true);
    expect(h.snapshot().mqtt).toMatchObject({
      denied_publish: [{ topic: "b/bridge/info", reason: "quota exceeded (0x97)" }],
      denied_subscribe: [{ topic: "b/bridge/request/#", reason: "not authorized (0x87)" }],
    });
    expect(h.publishAccepted("b/bridge/info")).toBe(true);
    expect(h.publishAccepted("b/bridge/info")).toBe(false);
    expect(h.snapshot().mqtt.denied_publish).toEqual([]);
  });

  it("counts reconnects (not the first connection) and keeps the last disconnect reason and protocol", () => {
    const h = new MqttHealth();
    expect(h.snapshot()).toEqual({ mqtt: { protocol: null, max_packet_size: null, denied_publish: [], denied_subscribe: [], reconnects: 0, last_disconnect_reason: null } });
    h.connected(5, 1024);
    h.disconnected("packet too large (0x95)");
    h.connected(4, null);
    expect(h.snapshot().mqtt).toMatchObject({ protocol: "3.1.1", max_packet_size: null, reconnects: 1, last_disconnect_reason: "packet too large (0x95)" });
  });

  it("lists at most MAX_LISTED topics of each kind", () => {
    const h = new MqttHealth();
    for (let i = 0; i < MAX_LISTED + 5; i++) h.deniedPublish(`b/nodes/${i}`, "not authorized (0x87)");
    expect(h.snapshot().mqtt.denied_publish).toHaveLength(MAX_LISTED);
  });
});

describe("reasons", () => {
  it("names reason codes of both protocol versions, with the usual cause for warnings", () => {
    expect(reasonText(0x87)).toBe("not authorized (0x87)");
    expect(reasonText(0x05)).toBe("not authorized (0x05)");
    expect(reasonText(0x80)).toBe("unspecified error (0x80)");
    expect(reasonText(0xfe)).toBe("reason (0xfe)");
    expect(reasonWithHint(0x8e)).toContain("same client_id");
    expect(reasonWithHint(0x95)).toContain("max_packet_size");
    expect(reasonCodeOf(Object.assign(new Error("x"), { code: 135 }))).toBe(135);
    expect(reasonCodeOf(Object.assign(new Error("x"), { code: "ECONNRESET" }))).toBeNull();
    expect(reasonCodeOf(null)).toBeNull();
  });

  it("measures a PUBLISH packet: header, topic, packet id, MQTT 5 property length, payload", () => {
    // 1 fixed header + 1 length + (2 + 3 topic + 2 id + 1 props + 10 payload) = 20
    expect(publishPacketBytes("a/b", 10, 1, true)).toBe(20);
    expect(publishPacketBytes("a/b", 10, 0, false)).toBe(17);
    // A remaining length of 128 or more takes a second length byte.
    expect(publishPacketBytes("a", 125, 0, false) - publishPacketBytes("a", 124, 0, false)).toBe(2);
    expect(publishPacketBytes("é", 0, 0, false)).toBe(6); // the topic in UTF-8 bytes
  });
});

describe("a retained request's answer", () => {
  it("is an error saying to publish without retain, echoing a readable transaction", () => {
    expect(retainedRequestResponse(Buffer.from('{"value":600,"transaction":"t1"}'))).toEqual({ status: "error", error: RETAINED_REQUEST_ERROR, data: {}, transaction: "t1" });
    expect(retainedRequestResponse(Buffer.from("!a76f40da"))).toEqual({ status: "error", error: RETAINED_REQUEST_ERROR, data: {} });
    expect(retainedRequestResponse(Buffer.from("{broken"))).toEqual({ status: "error", error: RETAINED_REQUEST_ERROR, data: {} });
    expect(RETAINED_REQUEST_ERROR).toContain("without retain");
  });
});
