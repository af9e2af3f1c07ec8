// Only confirmed keys leave the bridge: with sharing on, a re-flashed node's new key is not
// published to other gateways until accept_key.
import { afterEach, describe, expect, it } from "vitest";
import { fingerprintOf } from "../../../src/directory/record.js";
import { startBridge, type RunningBridge } from "../../helpers/app.js";
import { Observer, json, publishOnce } from "../../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
const SHARE = "meshtastic-keysync/directory";
type Shared = { fingerprint: string; public_key: string };

const running: { bridge: RunningBridge; observer: Observer }[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.observer.close();
    await r.bridge.stop();
  }
});

describe("sharing a changed node", () => {
  it("the shared record keeps the confirmed key; after accept_key it carries the new one", async () => {
    const bridge = await startBridge({ share: { enabled: true }, sync: { key_change: "alert" } }, { nodes: 10 });
    const observer = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
    running.push({ bridge, observer });
    const node = [...bridge.sim.nodes.values()].find((n) => n.publicKey)!;
    const topic = `${SHARE}/${BASE}/${node.id}`;
    const oldFp = fingerprintOf(node.publicKey!);
    await observer.next(topic, (t) => (json(t) as Shared).fingerprint === oldFp);
    const request = async (command: string, payload: string) => {
      const mark = observer.mark();
      await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/${command}`, payload);
      return json((await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark)).text) as { status: string };
    };

    const mark = observer.mark();
    const newKey = bridge.sim.reflashNode(node.num);
    bridge.sim.deliverNodeInfo(node.num);
    await observer.next(`${BASE}/nodes/${node.id}`, (t) => (json(t) as { status: string }).status === "changed", mark);
    expect((await request("sync", "")).status).toBe("ok");
    // Under alert the bridge holds the new key, yet the record other gateways read is unchanged.
    expect(observer.on(topic, mark).map((m) => (json(m.text) as Shared).fingerprint)).toEqual([]);

    expect((await request("accept_key", node.id)).status).toBe("ok");
    const shared = await observer.next(topic, () => true, mark);
    expect(json(shared.text)).toMatchObject({ fingerprint: fingerprintOf(newKey), public_key: Buffer.from(newKey).toString("base64") });
  });
});
