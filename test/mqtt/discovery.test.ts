import { describe, expect, it } from "vitest";
import {
  buildDiscovery,
  buildNodeDiscovery,
  deviceSlug,
  nodeDeviceName,
  nodeDiscoveryTopic,
  nodeDiscoveryTopics,
  parseNodeObjectId,
  selectNodeEntities,
} from "../../src/mqtt/discovery.js";
import { parseDiscoveryTopic } from "../../src/mqtt/topics.js";

const opts = { base: "meshtastic-keysync", prefix: "homeassistant", version: "0.1.0" };

describe("buildDiscovery", () => {
  it("announces the contract's entities, one device, under the prefix", () => {
    const messages = buildDiscovery(opts);
    const ids = messages.map((m) => {
      const parts = parseDiscoveryTopic("homeassistant", m.topic);
      return `${parts?.component}/${parts?.objectId}`;
    });
    expect(ids).toEqual([
      "sensor/sync_count",
      "sensor/keys_added",
      "sensor/keys_updated",
      "sensor/nodes_with_key",
      "sensor/nodes_missing_key",
      "sensor/alerts",
      "sensor/radio_nodes",
      "sensor/nodes_only_in_directory",
      "sensor/api_clients",
      "sensor/last_sync",
      "sensor/last_duration",
      "sensor/last_error",
      "sensor/last_command",
      "binary_sensor/radio",
      "binary_sensor/alert",
      "button/sync",
      "number/interval",
      "switch/enabled",
      "event/event",
    ]);
    const devices = new Set(messages.map((m) => JSON.stringify(m.payload.device)));
    expect(devices.size).toBe(1);
  });

  it("keeps unique ids stable and derived from the base topic only", () => {
    const a = buildDiscovery(opts).map((m) => m.payload.unique_id);
    const b = buildDiscovery({ ...opts, version: "9.9.9", push: true }).map((m) => m.payload.unique_id);
    expect(b).toEqual(a);
    expect(a).toContain("meshtastic-keysync_sync_count");
    const other = buildDiscovery({ ...opts, base: "gateway-2" }).map((m) => m.payload.unique_id);
    expect(other.filter((id) => a.includes(id))).toEqual([]);
  });

  it("describes the device from the base topic alone: nothing the radio's answer would change", () => {
    const [first] = buildDiscovery(opts);
    expect(first?.payload.device).toEqual({
      identifiers: ["meshtastic-keysync_meshtastic-keysync"],
      name: "Meshtastic KeySync",
      model: "Meshtastic key sync bridge",
      manufacturer: "meshtastic-keysync",
      sw_version: "0.1.0",
    });
    expect(first?.payload.device).not.toHaveProperty("via_device");
  });

  it("slugs a base topic HA would not accept in ids, without collisions", () => {
    expect(deviceSlug("home/mesh")).toMatch(/^home_mesh_[0-9a-f]{8}$/);
    expect(deviceSlug("home/mesh")).not.toBe(deviceSlug("home_mesh"));
    expect(deviceSlug("home/mesh")).toBe(deviceSlug("home/mesh"));
    const messages = buildDiscovery({ ...opts, base: "home/mesh" });
    expect(messages[0]?.payload.state_topic).toBe("home/mesh/sync/stats");
  });

  it("leaves the figures users watch without a category (HA's overview shows them), the technical sensors diagnostic, the numeric ones with a state class", () => {
    const watched = ["nodes_with_key", "nodes_missing_key", "alerts", "radio_nodes", "last_sync"];
    for (const m of buildDiscovery(opts).filter((x) => x.topic.includes("/sensor/"))) {
      const key = parseDiscoveryTopic("homeassistant", m.topic)!.objectId;
      if (watched.includes(key)) expect(m.payload, key).not.toHaveProperty("entity_category");
      else expect(m.payload.entity_category, key).toBe("diagnostic");
      // A state class makes HA expect a number: never on the timestamp or the text sensors.
      const text = m.payload.device_class === "timestamp" || m.topic.includes("/last_error/") || m.topic.includes("/last_command/");
      if (text) expect(m.payload.state_class).toBeUndefined();
      else expect(m.payload.state_class).toBeDefined();
    }
  });
});

describe("per-node entities", () => {
  it("builds a device per node holding its problem sensor, fingerprint sensor and accept / reject buttons", () => {
    const messages = buildNodeDiscovery(opts, { id: "!A76F40DA", long_name: "Base" });
    expect(messages.map((m) => m.topic)).toEqual([
      "homeassistant/binary_sensor/meshtastic-keysync/node_a76f40da/config",
      "homeassistant/sensor/meshtastic-keysync/node_a76f40da_fingerprint/config",
      "homeassistant/button/meshtastic-keysync/node_a76f40da_accept/config",
      "homeassistant/button/meshtastic-keysync/node_a76f40da_reject/config",
    ]);
    const [problem, fingerprint, accept, reject] = messages;
    // The problem class's own on/off icons show the state: no fixed icon over them.
    expect(problem!.payload).not.toHaveProperty("icon");
    expect(accept!.payload).toMatchObject({ name: "Accept new key", command_topic: "meshtastic-keysync/bridge/request/accept_key", payload_press: '{"id":"!a76f40da"}', availability_mode: "all" });
    expect(reject!.payload).toMatchObject({ name: "Reject new key", command_topic: "meshtastic-keysync/bridge/request/reject_key", payload_press: '{"id":"!a76f40da"}', availability_mode: "all" });
    expect(problem!.topic).toBe(nodeDiscoveryTopic(opts, "!a76f40da"));
    expect(problem!.payload).toMatchObject({
      name: "Key problem",
      state_topic: "meshtastic-keysync/nodes/!a76f40da",
      json_attributes_topic: "meshtastic-keysync/nodes/!a76f40da",
      device_class: "problem",
    });
    expect(fingerprint!.payload).toMatchObject({ name: "Key fingerprint", state_topic: "meshtastic-keysync/nodes/!a76f40da", entity_category: "diagnostic" });
    for (const m of messages) {
      expect(m.payload.device).toEqual({
        identifiers: ["meshtastic-keysync_meshtastic-keysync_!a76f40da"],
        name: "Base",
        model: "Meshtastic node",
        via_device: "meshtastic-keysync_meshtastic-keysync",
      });
    }
  });

  it("keeps the unique ids existing installs have, and gives the new entities their own", () => {
    const ids = buildNodeDiscovery({ ...opts, push: true }, { id: "!a76f40da", long_name: "Base", pushable: true }).map((m) => m.payload.unique_id);
    // The problem sensor's unique id predates the per-node device: never change it.
    expect(ids).toEqual(["meshtastic-keysync_node_a76f40da", "meshtastic-keysync_node_a76f40da_fingerprint", "meshtastic-keysync_node_a76f40da_push", "meshtastic-keysync_node_a76f40da_accept", "meshtastic-keysync_node_a76f40da_reject"]);
    expect(buildDiscovery(opts).map((m) => m.payload.unique_id)).toEqual(
      ["sync_count", "keys_added", "keys_updated", "nodes_with_key", "nodes_missing_key", "alerts", "radio_nodes", "nodes_only_in_directory", "api_clients", "last_sync", "last_duration", "last_error", "last_command", "radio", "alert", "sync", "interval", "enabled", "event"].map((k) => `meshtastic-keysync_${k}`),
    );
  });

  it("adds a push button only with push enabled and for a pushable node, pressing what the push command takes", () => {
    const isPush = (m: { topic: string }) => m.topic.includes("_push/");
    expect(buildNodeDiscovery(opts, { id: "!a76f40da", pushable: true }).some(isPush)).toBe(false);
    // The radio's own node, or a node without a key: no button at all.
    expect(buildNodeDiscovery({ ...opts, push: true }, { id: "!a76f40da" }).some(isPush)).toBe(false);
    const button = buildNodeDiscovery({ ...opts, push: true }, { id: "!a76f40da", pushable: true }).find(isPush);
    expect(button?.topic).toBe("homeassistant/button/meshtastic-keysync/node_a76f40da_push/config");
    expect(button?.payload).toMatchObject({ name: "Push key to radio", command_topic: "meshtastic-keysync/bridge/request/push", payload_press: '{"id":"!a76f40da"}' });
    expect(nodeDiscoveryTopics(opts, "!a76f40da")).toContain(button?.topic);
  });

  it("names the node's device after its long name, unless Home Assistant would strip it from entity names", () => {
    expect(nodeDeviceName("!a76f40da", "Base station")).toBe("Base station");
    expect(nodeDeviceName("!a76f40da", "  ")).toBe("!a76f40da");
    expect(nodeDeviceName("!a76f40da", null)).toBe("!a76f40da");
    // "Key" starts "Key problem": HA 2024.2 would warn and rename the entity.
    expect(nodeDeviceName("!a76f40da", "Key")).toBe("Key (!a76f40da)");
    expect(nodeDeviceName("!a76f40da", "Push key to radio")).toBe("Push key to radio (!a76f40da)");
  });

  it("recognises its node entities' object ids", () => {
    expect(parseNodeObjectId("node_a76f40da")).toEqual({ id: "!a76f40da", push: false });
    expect(parseNodeObjectId("node_a76f40da_fingerprint")).toEqual({ id: "!a76f40da", push: false });
    expect(parseNodeObjectId("node_a76f40da_push")).toEqual({ id: "!a76f40da", push: true });
    expect(parseNodeObjectId("node_a76f40da_accept")).toEqual({ id: "!a76f40da", push: false });
    expect(parseNodeObjectId("node_a76f40da_reject")).toEqual({ id: "!a76f40da", push: false });
    expect(parseNodeObjectId("sync_count")).toBeNull();
    expect(parseNodeObjectId("node_a76f40da_other")).toBeNull();
  });

  it("selects nodes per node_entities", () => {
    const known = ["!00000001", "!00000002", "!A76F40DA"];
    expect(selectNodeEntities("none", ["!00000001"], known)).toEqual(new Set());
    expect(selectNodeEntities("all", [], known)).toEqual(new Set(["!00000001", "!00000002", "!a76f40da"]));
    // watched: only watched nodes the directory knows; ids compared case-insensitively.
    expect(selectNodeEntities("watched", ["!a76f40da", "!00000003"], known)).toEqual(new Set(["!a76f40da"]));
  });

  it("refuses what is not a node id", () => {
    expect(() => nodeDiscoveryTopic(opts, "a76f40da")).toThrow();
  });
});
