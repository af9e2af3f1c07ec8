// The TCP side: one client at a time (ServerAPI.cpp), heartbeats, bad input, a hung radio,
// and a clean stop.
import { connect } from "node:net";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { encodeToRadio, heartbeat, wantConfig } from "../../src/protocol/messages.js";
import type { SimRadioOptions } from "../../src/sim/index.js";
import type { TestClient } from "./client.js";
import { isQueueStatus, simHarness, type Harness } from "./harness.js";

const h = simHarness();
const start = (options: SimRadioOptions = {}): ReturnType<Harness["start"]> => h.start({ nodes: 3, ...options });
const client = (port: number): Promise<TestClient> => h.client(port);

describe("one client at a time", () => {
  it("force-closes the previous client when a second one connects", async () => {
    const { radio, port } = await start();
    const first = await client(port);
    first.send(wantConfig(1));
    await first.waitComplete(1);
    const second = await client(port);
    await first.waitClosed();
    expect(radio.stats.forceCloses).toBe(1);
    expect(radio.stats.connections).toBe(2);
    second.send(wantConfig(2));
    await second.waitComplete(2);
    expect(second.closed).toBe(false);
  });

  it("keeps both clients in multiClient (proxy) mode", async () => {
    const { radio, port } = await start({ multiClient: true });
    const first = await client(port);
    const secondArrived = once(radio, "client");
    const second = await client(port);
    await secondArrived;
    second.send(wantConfig(2));
    await second.waitComplete(2);
    first.send(heartbeat());
    await first.waitFor(isQueueStatus);
    expect(first.closed).toBe(false);
    expect(radio.stats.forceCloses).toBe(0);
    expect(radio.clients).toBe(2);
  });
});

describe("heartbeat", () => {
  it("answers each heartbeat with queueStatus and records its nonce", async () => {
    const { radio, port } = await start();
    const c = await client(port);
    c.send(heartbeat());
    const first = await c.waitFor(isQueueStatus);
    c.send(encodeToRadio({ payloadVariant: { case: "heartbeat", value: { nonce: 5 } } }));
    await c.waitFor(isQueueStatus, first + 1);
    expect(radio.stats.heartbeats).toBe(2);
    expect(radio.stats.heartbeatNonces).toEqual([0, 5]);
  });

  it("does not answer nonce 1, which makes a real radio broadcast its NodeInfo", async () => {
    const { radio, port } = await start();
    const c = await client(port);
    c.send(encodeToRadio({ payloadVariant: { case: "heartbeat", value: { nonce: 1 } } }));
    c.send(wantConfig(4)); // answered after the heartbeat: a queueStatus would come first
    await c.waitComplete(4);
    expect(c.frames.filter(isQueueStatus)).toHaveLength(0);
    expect(radio.stats.heartbeatNonces).toEqual([1]);
  });
});

describe("bad input from a client", () => {
  it("survives garbage, an oversized length and an undecodable payload", async () => {
    const { radio, port } = await start();
    const c = await client(port);
    c.sendRaw(Buffer.from("hello radio\r\n\x00\xff"));
    c.sendRaw(Buffer.from([0x94, 0xc3, 0x02, 0x01, 1, 2, 3])); // length 513: refused
    c.sendRaw(Buffer.from([0x94, 0xc3, 0x00, 0x02, 0xff, 0xff])); // no ToRadio
    c.send(wantConfig(9));
    await c.waitComplete(9);
    expect(radio.stats.framesRefused).toBe(2);
    expect(c.closed).toBe(false);
  });

  it("never writes a frame over 512 bytes, and garbage it writes does not break framing", async () => {
    const { radio, port } = await start({ nodes: 20 });
    const c = await client(port);
    c.send(wantConfig(3));
    await c.waitComplete(3);
    radio.writeGarbage();
    c.send(heartbeat());
    await c.waitFor(isQueueStatus);
    expect(c.decoder.stats.skippedBytes).toBeGreaterThan(0);
    expect(c.decoder.stats.oversized).toBe(0);
  });
});

describe("hang, drop and stop", () => {
  it("hang() keeps the socket open but answers nothing until resume()", async () => {
    const { radio, port } = await start();
    const c = await client(port);
    c.send(wantConfig(1));
    await c.waitComplete(1);
    const before = c.frames.length;
    radio.hang();
    c.send(heartbeat());
    // Absence can only be shown by waiting: give a live radio ample time to answer.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(c.frames.length).toBe(before);
    expect(c.closed).toBe(false);
    expect(radio.stats.heartbeats).toBe(0);
    radio.resume();
    await c.waitFor(isQueueStatus, before);
    expect(radio.stats.heartbeats).toBe(1);
  });

  it("dropClient() closes the connection, like a reboot over TCP", async () => {
    const { radio, port } = await start();
    const arrived = once(radio, "client");
    const c = await client(port);
    await arrived;
    expect(radio.dropClient()).toBe(1);
    await c.waitClosed();
  });

  it("closes an idle client after idleTimeoutMs", async () => {
    const { radio, port } = await start({ idleTimeoutMs: 100 });
    const gone = once(radio, "disconnect");
    const c = await client(port);
    const [event] = (await gone) as [{ reason: string }];
    expect(event.reason).toBe("idle timeout");
    await c.waitClosed();
  });

  it("stop() closes clients and the listener", async () => {
    const { radio, port } = await start();
    const c = await client(port);
    await radio.stop();
    await c.waitClosed();
    const socket = connect({ host: "127.0.0.1", port });
    const [err] = (await once(socket, "error")) as [NodeJS.ErrnoException];
    expect(err.code).toBe("ECONNREFUSED");
  });
});
