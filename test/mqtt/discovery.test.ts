import { describe, expect, it } from "vitest";
import {
  buildDiscovery,
  buildNodeDiscovery,
  deviceSlug,
  nodeDiscoveryTopic,
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
      "sensor/last_sync",
      "sensor/last_duration",
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
    const b = buildDiscovery({ ...opts, version: "9.9.9", radioNodeId: "!a76f40da" }).map((m) => m.payload.unique_id);
    expect(b).toEqual(a);
    expect(a).toContain("meshtastic-keysync_sync_count");
    const other = buildDiscovery({ ...opts, base: "gateway-2" }).map((m) => m.payload.unique_id);
    expect(other.filter((id) => a.includes(id))).toEqual([]);
  });

  it("describes the device: identifiers from the base topic, version, radio as serial number", () => {
    const [first] = buildDiscovery({ ...opts, radioNodeId: "!a76f40da" });
    expect(first?.payload.device).toEqual({
      identifiers: ["meshtastic-keysync_meshtastic-keysync"],
      name: "Meshtastic KeySync",
      model: "Meshtastic key sync bridge",
      manufacturer: "meshtastic-keysync",
      sw_version: "0.1.0",
      serial_number: "!a76f40da",
    });
    const [plain] = buildDiscovery(opts);
    expect(plain?.payload.device).not.toHaveProperty("serial_number");
    expect(plain?.payload.device).not.toHaveProperty("via_device");
  });

  it("slugs a base topic HA would not accept in ids, without collisions", () => {
    expect(deviceSlug("home/mesh")).toMatch(/^home_mesh_[0-9a-f]{8}$/);
    expect(deviceSlug("home/mesh")).not.toBe(deviceSlug("home_mesh"));
    expect(deviceSlug("home/mesh")).toBe(deviceSlug("home/mesh"));
    const messages = buildDiscovery({ ...opts, base: "home/mesh" });
    expect(messages[0]?.payload.state_topic).toBe("home/mesh/sync/stats");
  });

  it("marks counters diagnostic with a state class", () => {
    for (const m of buildDiscovery(opts).filter((x) => x.topic.includes("/sensor/"))) {
      expect(m.payload.entity_category).toBe("diagnostic");
      if (m.payload.device_class !== "timestamp") expect(m.payload.state_class).toBeDefined();
    }
  });
});

describe("per-node entities", () => {
  it("builds a problem sensor with the node's attributes", () => {
    const m = buildNodeDiscovery(opts, { id: "!A76F40DA", long_name: "Base" });
    expect(m.topic).toBe("homeassistant/binary_sensor/meshtastic-keysync/node_a76f40da/config");
    expect(m.topic).toBe(nodeDiscoveryTopic(opts, "!a76f40da"));
    expect(m.payload).toMatchObject({
      name: "Key Base (!a76f40da)",
      unique_id: "meshtastic-keysync_node_a76f40da",
      state_topic: "meshtastic-keysync/nodes/!a76f40da",
      json_attributes_topic: "meshtastic-keysync/nodes/!a76f40da",
      device_class: "problem",
    });
    expect(buildNodeDiscovery(opts, { id: "!a76f40da" }).payload.name).toBe("Key !a76f40da");
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
