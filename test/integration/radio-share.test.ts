// The radio link's surface for a second consumer (the API server), against the simulated
// radio and the real 2.7.26 capture: the handshake cache as the radio sent it, the tap of
// live frames (never the link's own heartbeat answers or re-read frames), a client's packet
// forwarded with its id, and the config-only re-read.
import { afterEach, describe, expect, it } from "vitest";
import { MeshtasticRadio, type MeshtasticRadioOptions } from "../../src/radio/meshtastic.js";
import type { RadioFrame, HandshakeCache } from "../../src/radio/shared.js";
import type { RoutingErrorEvent } from "../../src/radio/link.js";
import { encodeToRadio, PortNum } from "../../src/protocol/messages.js";
import { SimRadio, type SimRadioOptions } from "../../src/sim/index.js";
import { dumpPayloads } from "../../src/sim/dump.js";
import { nextEvent } from "../helpers/events.js";
import { loadCaptureFrames, startReplayServer } from "../helpers/replay-server.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startSim(options: SimRadioOptions = {}): Promise<SimRadio> {
  const sim = new SimRadio({ port: 0, nodes: 30, ...options });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

async function connect(port: number, options: Partial<MeshtasticRadioOptions> = {}): Promise<{ radio: MeshtasticRadio; frames: RadioFrame[] }> {
  const radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 20, cacheHandshake: true, ...options });
  cleanups.push(() => radio.stop());
  const frames: RadioFrame[] = [];
  radio.tap.on("frame", (f) => frames.push(f));
  const ready = nextEvent(radio, "dump");
  radio.start();
  await ready;
  return { radio, frames };
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const all = (cache: HandshakeCache | null) => (cache ? [...cache.head, ...cache.nodes, ...cache.tail] : []);

function dmPayload(to: number, id: number): Uint8Array {
  const text = new TextEncoder().encode("hello");
  return encodeToRadio({ payloadVariant: { case: "packet", value: { to, id, wantAck: true, pkiEncrypted: true, payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: text } } } } });
}

/** What the API server tells the link of such a DM. */
function dmFacts(to: number) {
  return { to, port: PortNum.TEXT_MESSAGE_APP, hopLimit: 3, pki: true, timeoutMs: 10_000 };
}

describe("the radio's shared surface", () => {
  it("caches the handshake byte for byte, in the radio's order, config_complete_id left out", async () => {
    const sim = await startSim();
    const { radio } = await connect(sim.address.port);
    const expected = [...dumpPayloads(1, { db: sim.db, firmwareVersion: sim.options.firmwareVersion, thinNodeInfos: false })].slice(0, -1);
    expect(all(radio.cache).map((f) => hex(f.bytes))).toEqual(expected.map(hex));
    expect(radio.cache?.nodes).toHaveLength(30);
    expect(radio.cache?.own?.message.payloadVariant.value).toMatchObject({ num: sim.ownNode.num });
    expect(radio.cache?.myNodeNum).toBe(sim.ownNode.num);
  });

  it("keeps nothing without cacheHandshake", async () => {
    const sim = await startSim();
    const { radio } = await connect(sim.address.port, { cacheHandshake: false });
    expect(radio.cache).toBeNull();
  });

  it("refreshes the cached nodes on a nodes-only re-read; its frames and the heartbeat answers never reach the tap", async () => {
    const sim = await startSim();
    const { radio, frames } = await connect(sim.address.port, { heartbeatIntervalMs: 150, heartbeatTimeoutMs: 100 });
    const first = radio.cache;
    sim.addNodesSilently(3);
    const updated = nextEvent<HandshakeCache>(radio.tap, "cache");
    await radio.requestNodeDb();
    const cache = await updated;
    expect(cache.nodes).toHaveLength(33);
    expect(cache.version).toBe((first?.version ?? 0) + 1);
    expect(cache.head.map((f) => hex(f.bytes))).toEqual(first?.head.map((f) => hex(f.bytes)));
    expect(cache.tail).toBe(first?.tail);
    // Heartbeats were answered meanwhile (queueStatus), and a live packet goes through.
    await nextEvent(sim, "heartbeat");
    await nextEvent(sim, "heartbeat");
    const num = [...sim.nodes.keys()][0] as number;
    const live = nextEvent<RadioFrame>(radio.tap, "frame");
    sim.deliverPosition(num);
    expect((await live).message.payloadVariant).toMatchObject({ case: "packet", value: { from: num } });
    expect(frames.map((f) => f.message.payloadVariant.case)).toEqual(["packet"]);
  });

  it("forwards a client's packet with its id; the routing result answers it and its errors carry the destination", async () => {
    const sim = await startSim();
    const { radio } = await connect(sim.address.port);
    const [keyless, keyed] = [...sim.nodes.keys()] as [number, number];
    sim.setKey(keyless, null);
    const errors: RoutingErrorEvent[] = [];
    radio.on("routingError", (e) => errors.push(e));
    const failed = await radio.forward(dmPayload(keyless, 0x1234567), "client", { ...dmFacts(keyless), id: 0x1234567 });
    expect(failed).toMatchObject({ ok: false, id: 0x1234567, error: "PKI_SEND_FAIL_PUBLIC_KEY" });
    expect(errors).toEqual([expect.objectContaining({ requestId: 0x1234567, to: keyless, pki: true, error: "PKI_SEND_FAIL_PUBLIC_KEY" })]);
    // A second text from the same connection waits for the firmware's 2 s text window.
    expect(await radio.forward(dmPayload(keyed, 77), "client", { ...dmFacts(keyed), id: 77 })).toMatchObject({ ok: true, id: 77 });
    expect(sim.clientPackets.map((r) => r.packet.id)).toEqual([0x1234567, 77]);
  });

  it("re-reads the configuration alone (69420): the cache follows, no dump is reported, the nodes stay", async () => {
    const sim = await startSim();
    const { radio } = await connect(sim.address.port);
    const first = radio.cache;
    let dumps = 0;
    radio.on("dump", () => dumps++);
    const nodesDuring = radio.requestNodeDb();
    const config = radio.refreshConfig();
    await Promise.all([nodesDuring, config]);
    expect(sim.stats.dumps).toMatchObject({ configOnly: 1, nodesOnly: 1 });
    expect(dumps).toBe(1);
    expect(radio.cache?.version).toBe((first?.version ?? 0) + 2);
    expect(radio.cache?.nodes).toHaveLength(30);
    expect(radio.cache?.head).not.toBe(first?.head);
    expect(radio.cache?.head.map((f) => hex(f.bytes))).toEqual(first?.head.map((f) => hex(f.bytes)));
  });

  it("caches the real 2.7.26 handshake: 38 frames before the file manifest, 7 after, the live packet on the tap", async () => {
    const replay = await startReplayServer();
    cleanups.push(() => replay.stop());
    const radio = new MeshtasticRadio({ host: "127.0.0.1", port: replay.port, cacheHandshake: true });
    cleanups.push(() => radio.stop());
    const live = nextEvent<RadioFrame>(radio.tap, "frame");
    radio.start();
    const frame = await live;
    const capture = loadCaptureFrames();
    expect(radio.cache?.head.map((f) => hex(f.bytes))).toEqual(capture.slice(0, 38).map(hex));
    expect(radio.cache?.tail.map((f) => f.message.payloadVariant.case)).toEqual(Array(7).fill("fileInfo"));
    expect(radio.cache?.nodes).toEqual([]);
    expect(hex(frame.bytes)).toBe(hex(capture[46] as Uint8Array));
  });
});
