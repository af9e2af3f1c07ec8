// A slow or broken client never hurts the radio link or the others: one that stops reading
// is dropped, garbage and oversized frames drop only their sender (the Python client's wake
// bytes do not), max_clients holds, and when the radio link drops clients are closed and
// come back to a fresh handshake.
import { describe, expect, it } from "vitest";
import { encodeFrame } from "../../../src/protocol/frames.js";
import { heartbeat, wantConfig } from "../../../src/protocol/messages.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";
import { kinds, type TestClient } from "../../sim/client.js";

async function ready(client: TestClient, nonce = 0x3000): Promise<number> {
  client.send(wantConfig(nonce));
  return (await client.waitComplete(nonce)) + 1;
}

describe("API clients that misbehave", () => {
  it("drops a client that stops reading, with a log line, while another keeps receiving", async () => {
    const rig = await startApiRig({ sim: { nodes: 250 }, server: { session: { maxQueuedBytes: 256 * 1024 } } });
    const [stuck, fine] = [await rig.raw(), await rig.raw()];
    await ready(stuck);
    const from = await ready(fine);
    stuck.socket.pause();
    const dropped = nextEvent(rig.server, "clients", (list: unknown[]) => list.length === 1);
    // Handshakes of ~40 KB each, never read: the kernel's buffers fill, then the server's bound.
    for (let i = 0; i < 600; i++) stuck.send(wantConfig(0x4000 + i));
    await dropped;
    // A paused socket hears of its end only once it reads again.
    stuck.socket.resume();
    await stuck.waitClosed();
    const line = rig.log.find("info", "left: stopped reading");
    expect(line).toHaveLength(1);
    rig.sim.deliverPosition([...rig.sim.nodes.keys()][0] as number);
    await fine.waitFrames(from + 1);
    expect(kinds(fine.frames.slice(from))).toEqual(["packet"]);
    expect(rig.server.clients).toHaveLength(1);
    expect(rig.radio.status.state).toBe("connected");
  });

  it("drops a client that sends garbage, an oversized frame or no ToRadio; the Python client's 0xC3 wake bytes are fine", async () => {
    const rig = await startApiRig();
    const python = await rig.raw();
    python.sendRaw(Buffer.alloc(32, 0xc3));
    const from = await ready(python);
    const [text, oversized, junk] = [await rig.raw(), await rig.raw(), await rig.raw()];
    text.sendRaw(Buffer.from("hello radio\n"));
    oversized.sendRaw(Buffer.from([0x94, 0xc3, 0x02, 0x01]));
    junk.sendRaw(encodeFrame(Uint8Array.of(0x0a, 0x05, 0x01)));
    await Promise.all([text.waitClosed(), oversized.waitClosed(), junk.waitClosed()]);
    const reasons = rig.log.find("info", "left:").map((r) => r.obj.reason);
    expect(reasons).toEqual(expect.arrayContaining(["sent bytes that are no Meshtastic frame", "sent a frame longer than 512 bytes", "sent a frame that is no ToRadio message"]));
    rig.sim.deliverPosition([...rig.sim.nodes.keys()][0] as number);
    await python.waitFrames(from + 1);
    expect(python.closed).toBe(false);
    expect(rig.sim.stats.framesRefused).toBe(0);
  });

  it("frees the slots of clients that never send a whole frame: each closed alone with a log line, a real client served after", async () => {
    const rig = await startApiRig({ server: { maxClients: 3, session: { firstFrameMs: 150 } } });
    // A client that handshook first keeps its slot: the first-frame limit no longer applies to it.
    const served = await rig.raw();
    const from = await ready(served);
    const [silent, half] = [await rig.raw(), await rig.raw()];
    const freed = nextEvent(rig.server, "clients", (list: unknown[]) => list.length === 1);
    half.sendRaw(Buffer.from([0x94, 0xc3, 0x00]));
    await Promise.all([silent.waitClosed(), half.waitClosed(), freed]);
    expect(rig.log.find("info", "left: sent no whole frame within 0.15 s of connecting")).toHaveLength(2);
    expect(served.closed).toBe(false);
    const next = await rig.raw();
    await ready(next, 0x3002);
    expect(rig.server.clients).toHaveLength(2);
    rig.sim.deliverPosition([...rig.sim.nodes.keys()][0] as number);
    await served.waitFrames(from + 1);
  });

  it("closes a client that has sent nothing for the idle limit, alone", async () => {
    const rig = await startApiRig({ server: { session: { idleMs: 200 } } });
    const other = await rig.raw();
    const quiet = await rig.raw();
    const left = nextEvent(rig.server, "clients", (list: unknown[]) => list.length === 1);
    await ready(quiet);
    await Promise.all([quiet.waitClosed(), left]);
    expect(rig.log.find("info", "left: sent nothing for 0.2 s")).toHaveLength(1);
    // The other client has not sent a frame yet: the first-frame limit (15 s by default) is its own.
    expect(other.closed).toBe(false);
    await ready(other, 0x3003);
  });

  it("keeps a client that sends a frame now and then past the idle limit: every frame starts it again", async () => {
    const rig = await startApiRig({ server: { session: { idleMs: 1_000 } } });
    const client = await rig.raw();
    let from = await ready(client);
    const started = Date.now();
    // Two and a half idle limits of heartbeats, each sent once the last was answered.
    while (Date.now() - started < 2_500) {
      client.send(heartbeat());
      from = (await client.waitFor((f) => f.payloadVariant.case === "queueStatus", from, "the queue status")) + 1;
    }
    expect(client.closed).toBe(false);
    expect(rig.log.find("info", "sent nothing")).toEqual([]);
  });

  it("refuses a client beyond max_clients, telling it why in a clientNotification before closing", async () => {
    const rig = await startApiRig({ server: { maxClients: 2 } });
    const [a, b] = [await rig.raw(), await rig.raw()];
    const third = await rig.raw();
    await third.waitClosed();
    expect(rig.log.find("warn", "api_server.max_clients")).toHaveLength(1);
    expect(kinds(third.frames)).toEqual(["clientNotification"]);
    const told = third.frames[0]?.payloadVariant;
    expect(told?.case === "clientNotification" && told.value).toMatchObject({ level: 30, message: "meshtastic-keysync refused this connection: 2 clients already (api_server.max_clients)" });
    await ready(a);
    await ready(b);
    expect(rig.server.clients).toHaveLength(2);
  });

  it("closes the clients when the radio link drops; a client that comes back gets the new handshake", async () => {
    const rig = await startApiRig();
    const client = await rig.raw();
    await ready(client);
    const back = nextEvent(rig.radio, "dump");
    rig.sim.dropClient();
    await client.waitClosed();
    expect(rig.log.find("info", "left: the radio link is").length).toBe(1);
    const again = await rig.raw();
    again.send(wantConfig(0x3001));
    await again.waitComplete(0x3001);
    await back;
    expect(rig.sim.stats).toMatchObject({ connections: 2, forceCloses: 0, dumps: { full: 2 } });
  });
});
