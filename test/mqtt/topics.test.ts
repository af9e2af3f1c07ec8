import { describe, expect, it } from "vitest";
import {
  baseTopicProblem,
  bridgeTopics,
  discoveryTopic,
  parseDiscoveryTopic,
  parseNodeTopic,
  parseRequestTopic,
  topicMatches,
  topicPathProblem,
} from "../../src/mqtt/topics.js";

describe("bridge topics", () => {
  it("builds the contract's names under the base topic", () => {
    const t = bridgeTopics("meshtastic-keysync");
    expect(t.bridgeState).toBe("meshtastic-keysync/bridge/state");
    expect(t.bridgeInfo).toBe("meshtastic-keysync/bridge/info");
    expect(t.radioState).toBe("meshtastic-keysync/radio/state");
    expect(t.syncStats).toBe("meshtastic-keysync/sync/stats");
    expect(t.bridgeEvent).toBe("meshtastic-keysync/bridge/event");
    expect(t.node("!a76f40da")).toBe("meshtastic-keysync/nodes/!a76f40da");
    expect(t.request("sync")).toBe("meshtastic-keysync/bridge/request/sync");
    expect(t.response("sync")).toBe("meshtastic-keysync/bridge/response/sync");
    expect(t.requestFilter).toBe("meshtastic-keysync/bridge/request/#");
  });

  it("works with a multi-level base topic", () => {
    expect(bridgeTopics("home/mesh").syncStats).toBe("home/mesh/sync/stats");
    expect(parseRequestTopic("home/mesh", "home/mesh/bridge/request/interval")).toBe("interval");
  });

  it.each(["", "a/+/b", "a/#", "/a", "a/", "a//b", "$SYS"])("refuses base topic %j", (base) => {
    expect(baseTopicProblem(base)).not.toBeNull();
    expect(() => bridgeTopics(base)).toThrow();
  });

  it("names why a topic path is refused, and accepts multi-level paths", () => {
    expect(topicPathProblem("")).toBe("must not be empty");
    expect(topicPathProblem("a/+")).toContain("'+', '#'");
    expect(topicPathProblem("a\u0000b")).toContain("NUL");
    expect(topicPathProblem("$SYS/x")).toContain("'$'");
    expect(topicPathProblem("a//b")).toContain("empty levels");
    expect(topicPathProblem("homeassistant/status")).toBeNull();
    expect(baseTopicProblem("a/")).toBe("base_topic must not have empty levels (leading, trailing or double '/')");
  });

  it("parses request and node topics, and nothing else", () => {
    expect(parseRequestTopic("b", "b/bridge/request/accept_key")).toBe("accept_key");
    expect(parseRequestTopic("b", "b/bridge/request/")).toBeNull();
    expect(parseRequestTopic("b", "b/bridge/request/a/b")).toBeNull();
    expect(parseRequestTopic("b", "c/bridge/request/sync")).toBeNull();
    expect(parseRequestTopic("b", "b/bridge/response/sync")).toBeNull();
    expect(parseNodeTopic("b", "b/nodes/!a76f40da")).toBe("!a76f40da");
    expect(parseNodeTopic("b", "b/nodes")).toBeNull();
  });
});

describe("discovery topics", () => {
  it("builds and parses <prefix>/<component>/<node_id>/<object_id>/config", () => {
    const topic = discoveryTopic("homeassistant", "sensor", "meshtastic-keysync", "sync_count");
    expect(topic).toBe("homeassistant/sensor/meshtastic-keysync/sync_count/config");
    expect(parseDiscoveryTopic("homeassistant", topic)).toEqual({
      component: "sensor",
      nodeId: "meshtastic-keysync",
      objectId: "sync_count",
    });
    expect(parseDiscoveryTopic("homeassistant", "homeassistant/sensor/x/config")).toBeNull();
    expect(parseDiscoveryTopic("homeassistant", "other/sensor/a/b/config")).toBeNull();
  });

  it("refuses characters Home Assistant does not allow in ids", () => {
    expect(() => discoveryTopic("homeassistant", "sensor", "a/b", "x")).toThrow();
    expect(() => discoveryTopic("homeassistant", "sensor", "a", "!x")).toThrow();
  });
});

describe("topicMatches", () => {
  it.each([
    ["a/b/#", "a/b/c/d", true],
    ["a/b/#", "a/b", true],
    ["a/+/c", "a/b/c", true],
    ["a/+/c", "a/b/d", false],
    ["a/+", "a/b/c", false],
    ["a/b", "a/b", true],
    ["a/b", "a/b/c", false],
    ["#", "$SYS/x", false],
    ["+/x", "$SYS/x", false],
    ["homeassistant/status", "homeassistant/status", true],
  ])("%s ~ %s = %s", (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});
