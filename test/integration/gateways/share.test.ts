// Two gateways, two radios that hear disjoint halves of a mesh, one real Mosquitto: sharing
// public keys over the broker gives each bridge's directory every key.
import { describe, expect, it } from "vitest";
import { json, publishOnce } from "../../helpers/mqtt.js";
import type { RunningBridge } from "../../helpers/app.js";
import { sharedBroker } from "./rig.js";

type NodeStatus = { id: string; has_key: boolean; key_source: string | null; key_fingerprint: string | null };
const SHARE = "meshtastic-keysync/directory";

const rig = sharedBroker();

function gateway(name: string, seed: number, trust: string[]): Promise<RunningBridge> {
  return rig.gateway(name, { share: { enabled: true, trust } }, { nodes: 20, seed });
}

describe("shared key directory", () => {
  it("each gateway ends up with every key; a key under an untrusted gateway name is not merged", async () => {
    const a = await gateway("gw-a", 101, ["gw-b"]);
    const b = await gateway("gw-b", 202, ["gw-a"]);
    const overlap = [...a.sim.nodes.keys()].filter((num) => b.sim.nodes.has(num));
    expect(overlap).toEqual([]);

    for (const [selfName, other, otherName] of [["gw-a", b, "gw-b"], ["gw-b", a, "gw-a"]] as const) {
      for (const node of other.sim.nodes.values()) {
        if (!node.publicKey) continue;
        const seen = await rig.observer.next(`${selfName}/nodes/${node.id}`, (t) => (json(t) as NodeStatus).has_key);
        expect(json(seen.text)).toMatchObject({ has_key: true, key_source: `gateway:${otherName}` });
      }
      // Keys heard only from the other gateway are never re-published by this one.
      for (const node of other.sim.nodes.values()) {
        expect(rig.observer.on(`${SHARE}/${selfName}/${node.id}`)).toEqual([]);
      }
    }

    // One retained message per key, per gateway whose own radio learned it.
    const keyedA = [...a.sim.nodes.values()].filter((n) => n.publicKey).length + 1;
    const sharedByA = new Set(rig.observer.messages.filter((m) => m.topic.startsWith(`${SHARE}/gw-a/`)).map((m) => m.topic));
    expect(sharedByA.size).toBe(keyedA);

    // A rogue gateway name is ignored; a trusted message published after it is merged, so
    // by then the rogue one was read and refused.
    const rogueId = "!0badc0de";
    const trustedId = "!0000beef";
    const key = (fill: number): string => Buffer.alloc(32, fill).toString("base64");
    await publishOnce(rig.url, `${SHARE}/rogue/${rogueId}`, JSON.stringify({ id: rogueId, public_key: key(7) }), true);
    await publishOnce(rig.url, `${SHARE}/gw-b/${trustedId}`, JSON.stringify({ id: trustedId, public_key: key(9) }), true);
    await rig.observer.next(`gw-a/nodes/${trustedId}`, (t) => (json(t) as NodeStatus).key_source === "gateway:gw-b");
    expect(rig.observer.on(`gw-a/nodes/${rogueId}`)).toEqual([]);
  });
});
