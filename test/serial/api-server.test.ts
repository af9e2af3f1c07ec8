// The API server over a radio on USB serial: TCP clients share the one serial line. The
// handshake comes from the cache (never a dump over the slow line), a DM goes through, and
// a radio restart (rebooted) closes the clients so they handshake again.
import { describe, expect, it } from "vitest";
import { RoutingError } from "../../src/protocol/messages.js";
import { SimRadio } from "../../src/sim/index.js";
import { startSerialApiBridge } from "../helpers/serial-bridge.js";
import { dm, routingCode } from "../helpers/to-radio.js";
import type { TestClient } from "../sim/client.js";

describe("the API server on a serial radio", () => {
  it("serves TCP clients from the cache, passes a DM on the line, and closes them when the radio restarts", async () => {
    const sim = new SimRadio({ nodes: 30, idleTimeoutMs: 0 });
    const rig = await startSerialApiBridge(sim);
    const clients = [await rig.client(100), await rig.client(101)];
    for (const c of clients) expect(c.frames.filter((f) => f.payloadVariant.case === "nodeInfo")).toHaveLength(31);
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
