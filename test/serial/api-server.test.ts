// The API server over a radio on USB serial: TCP clients share the one serial line. The
// handshake comes from the cache (never a dump over the slow line), a DM goes through, and
// a radio restart (rebooted) closes the clients so they handshake again.
import { afterEach, describe, expect, it } from "vitest";
import { RoutingError, wantConfig } from "../../src/protocol/messages.js";
import { SimRadio } from "../../src/sim/index.js";
import { Observer, json } from "../helpers/mqtt.js";
import { startSerialBridge } from "../helpers/serial-bridge.js";
import { dm, routingCode } from "../helpers/to-radio.js";
import { TestClient } from "../sim/client.js";

const BASE = "meshtastic-keysync";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("the API server on a serial radio", () => {
  it("serves TCP clients from the cache, passes a DM on the line, and closes them when the radio restarts", async () => {
    const sim = new SimRadio({ nodes: 30, idleTimeoutMs: 0 });
    const bridge = await startSerialBridge((path) => sim.serveSerial(path), { api_server: { enabled: true, port: 0 } });
    cleanups.push(() => bridge.stop());
    cleanups.push(() => sim.stop());
    const o = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
    cleanups.push(() => o.close());
    await o.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
    const port = Number(bridge.app.addresses.api?.split(":").at(-1));
    const clients = [await TestClient.connect(port), await TestClient.connect(port)];
    for (const c of clients) cleanups.push(() => c.close());
    for (const [i, c] of clients.entries()) {
      c.send(wantConfig(100 + i));
      await c.waitComplete(100 + i);
      expect(c.frames.filter((f) => f.payloadVariant.case === "nodeInfo")).toHaveLength(31);
    }
    expect(sim.stats.dumps.full).toBe(1);
    const [first] = clients as [TestClient];
    const to = [...sim.nodes.keys()][0] as number;
    first.send(dm(to, 0x5e71a1));
    const at = await first.waitFor((f) => routingCode(f, 0x5e71a1) !== undefined);
    expect(routingCode(first.frames[at]!, 0x5e71a1)).toBe(RoutingError.NONE);
    sim.restart();
    await Promise.all(clients.map((c) => c.waitClosed()));
  });
});
