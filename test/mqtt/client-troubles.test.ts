// ClientTroubles names why connections end; a broker that keeps dropping us is named once.
import { describe, expect, it } from "vitest";
import { ClientTroubles } from "../../src/mqtt/client-troubles.js";
import { RecordingLog } from "../helpers/log.js";

function troubles() {
  const log = new RecordingLog();
  const t = new ClientTroubles(log, { health: () => undefined, denied: () => undefined });
  /** One connection that the broker ends after `ms`, with what the socket or the broker said. */
  const drop = (at: number, ms: number, end: { socket?: string; code?: number }): void => {
    t.connected(5, null, at);
    if (end.socket !== undefined) t.error(new Error(end.socket), true, 5);
    if (end.code !== undefined) t.brokerDisconnect(end.code);
    t.closed(at + ms, false);
  };
  return { log, drop, lost: () => log.find("warn", "MQTT connection lost").map((r) => r.obj.reason) };
}

describe("ClientTroubles: connection lost", () => {
  it("names drops without a reason code once, whatever the socket says of each", () => {
    const { drop, lost, log } = troubles();
    drop(0, 10, { socket: "read ECONNRESET" });
    drop(100, 10, {});
    drop(200, 10, { socket: "write EPIPE" });
    expect(lost()).toEqual(["read ECONNRESET"]);
    expect(log.find("debug", "MQTT connection lost")).toHaveLength(2);
  });

  it("names a drop with a broker's reason code, and a later reasonless one again", () => {
    const { drop, lost } = troubles();
    drop(0, 10, {});
    drop(100, 10, { code: 0x95 });
    drop(200, 10, { code: 0x95 });
    drop(300, 10, { socket: "read ECONNRESET" });
    expect(lost()).toHaveLength(3);
    expect(lost()[0]).toBe("the connection closed");
    expect(lost()[2]).toBe("read ECONNRESET");
  });
});
