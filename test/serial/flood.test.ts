// A client flooding the API server while the radio sits on a 115,200-baud serial line: the
// pacer writes only as fast as the radio answers (its queueStatus per packet), so what the
// client sends beyond its share is refused at once instead of piling up in the bridge, and
// the bridge's own frames (a sync's want_config) still get through during the flood.
import { describe, expect, it } from "vitest";
import { BROADCAST_NUM, RoutingError, encodeToRadio } from "../../src/protocol/messages.js";
import { SimRadio } from "../../src/sim/index.js";
import { json, publishOnce } from "../helpers/mqtt.js";
import { startSerialApiBridge } from "../helpers/serial-bridge.js";
import { routingCode } from "../helpers/to-radio.js";

const BASE = "meshtastic-keysync";
const FLOOD = 2_000;

/** A broadcast on a private port (no per-port limit): only the queue's bounds hold it back. */
function broadcast(id: number): Uint8Array {
  const payload = new Uint8Array(64).fill(id & 0xff);
  return encodeToRadio({ payloadVariant: { case: "packet", value: { to: BROADCAST_NUM, id, payloadVariant: { case: "decoded", value: { portnum: 256, payload } } } } });
}

describe("a client's flood on a serial radio", () => {
  it("is refused beyond the client's share at once, never buffered whole; a sync still goes through meanwhile", async () => {
    const sim = new SimRadio({ nodes: 10, idleTimeoutMs: 0 });
    const { bridge, observer: o, client: connect } = await startSerialApiBridge(sim);
    const client = await connect(5);

    let received = 0;
    let reachedAll: () => void = () => undefined;
    let target = Infinity;
    sim.on("packetFromClient", () => {
      if (++received >= target) reachedAll();
    });
    const frames = [];
    for (let id = 1; id <= FLOOD; id++) frames.push(broadcast(id));
    client.sendRaw(Buffer.concat(frames.map((f) => Buffer.from(new Uint8Array([0x94, 0xc3, f.length >> 8, f.length & 0xff, ...f])))));
    // Past the client's share, each packet is answered at once with RATE_LIMIT_EXCEEDED for its id.
    await client.waitFor((f) => routingCode(f, FLOOD) !== undefined, 0, "the answer to the last packet");
    const refused = new Set<number>();
    for (const f of client.frames) {
      for (let id = 1; id <= FLOOD; id++) if (routingCode(f, id) === RoutingError.RATE_LIMIT_EXCEEDED) refused.add(id);
    }
    expect(refused.size).toBeGreaterThan(FLOOD / 2);

    // The bridge's own frames do not wait behind the flood: a sync runs to its end meanwhile.
    const mark = o.mark();
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/sync`, JSON.stringify({ transaction: "during" }));
    const answer = json((await o.next(`${BASE}/bridge/response/sync`, () => true, mark)).text) as { status: string };
    expect(answer.status).toBe("ok");

    // What was not refused reached the radio, each packet once; nothing is left waiting.
    target = FLOOD - refused.size;
    if (received < target) await new Promise<void>((resolve) => (reachedAll = resolve));
    expect(received).toBe(FLOOD - refused.size);
    const statsMark = o.mark();
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/stats`, "{}");
    const stats = json((await o.next(`${BASE}/bridge/response/stats`, () => true, statsMark)).text) as { data: { send_queue: number } };
    expect(stats.data.send_queue).toBe(0);
    expect(o.on(`${BASE}/radio/state`).map((m) => m.text).filter((t) => t.includes("disconnected"))).toEqual([]);
  });
});
