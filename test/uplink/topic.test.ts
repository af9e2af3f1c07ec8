import { describe, expect, it } from "vitest";
import { parseUplinkTopic } from "../../src/uplink/topic.js";

describe("uplink topics", () => {
  it("reads channel and gateway from <root>/2/e/<channel>/!<gateway>, whatever the root", () => {
    expect(parseUplinkTopic("msh/2/e/LongFast/!a1b2c3d4")).toEqual({ channelId: "LongFast", gateway: "!a1b2c3d4" });
    expect(parseUplinkTopic("msh/EU_868/DE/BY/2/e/Friends/!A1B2C3D4")).toEqual({ channelId: "Friends", gateway: "!a1b2c3d4" });
    expect(parseUplinkTopic("msh/US/2/e/PKI/!0000beef")).toEqual({ channelId: "PKI", gateway: "!0000beef" });
  });

  it("is null for map reports, the JSON topic and anything malformed", () => {
    for (const topic of ["msh/US/2/map/", "msh/US/2/json/LongFast/!a1b2c3d4", "msh/US/2/e/LongFast/a1b2c3d4", "msh/US/2/e/LongFast/!a1b2", "msh/US/2/e//!a1b2c3d4", "2/e/x/!a1b2c3d4", ""]) {
      expect(parseUplinkTopic(topic), topic).toBeNull();
    }
  });
});
