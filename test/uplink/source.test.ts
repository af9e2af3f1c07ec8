// UplinkSource, the shell: rate limit before parsing, replays dropped before decryption,
// claims of one turn batched into one ingest per gateway, and nothing thrown at the client.
// A fake connection (an EventEmitter) feeds it; the directory is the real one.
import { EventEmitter } from "node:events";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import type { Observation } from "../../src/directory/merge.js";
import type { ListeningClientEvents, ListeningClientHealth } from "../../src/mqtt/listen-client.js";
import { ChannelKeys } from "../../src/uplink/channels.js";
import { UplinkSource, type UplinkConnection, type UplinkSink } from "../../src/uplink/source.js";
import { ManualClock } from "../helpers/clock.js";
import { garbageEnvelope, nodeInfoEnvelope, pkiEnvelope, textEnvelope, type Uplinked } from "../helpers/uplink-publisher.js";

class FakeConnection extends EventEmitter<ListeningClientEvents> implements UplinkConnection {
  started = false;
  start(): void {
    this.started = true;
  }
  stop(): Promise<void> {
    return Promise.resolve();
  }
  health(): ListeningClientHealth {
    return { connected: true, reconnects: 0, last_disconnect_reason: null, last_error: null, denied_subscribe: [] };
  }
  deliver(...messages: Uplinked[]): void {
    for (const m of messages) this.emit("message", m.topic, m.payload);
  }
}

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Rig {
  source: UplinkSource;
  conn: FakeConnection;
  directory: KeyDirectory;
  clock: ManualClock;
  ingests: { source: string; observations: Observation[] }[];
}

let rig: Rig | null = null;
afterEach(async () => {
  await rig?.source.stop();
  rig = null;
});

function start(opts: { maxPerMinute?: number; sink?: UplinkSink } = {}): Rig {
  const clock = new ManualClock();
  const directory = new KeyDirectory({ now: () => Math.floor(clock.now() / 1000), weakHashes: new Set() });
  const conn = new FakeConnection();
  const ingests: Rig["ingests"] = [];
  const sink: UplinkSink = opts.sink ?? ((observations, source, policy) => {
    ingests.push({ source, observations });
    return directory.ingest(observations, source, policy);
  });
  const source = new UplinkSource({ client: conn, sink, channels: new ChannelKeys({}), maxPerMinute: opts.maxPerMinute ?? 100_000, keyChange: "alert", trust: "claim", server: "mqtt://mesh.example:1883", clock });
  source.start();
  rig = { source, conn, directory, clock, ingests };
  return rig;
}

describe("UplinkSource", () => {
  it("puts a claimed key into the directory as uplink:<gateway>, and counts it", async () => {
    const { conn, directory, source } = start();
    const key = randomBytes(32);
    conn.deliver(nodeInfoEnvelope({ from: 0x0a0b0c0d, key, longName: "Far away", gateway: "!00c0ffee" }));
    await turn();
    const view = directory.view(0x0a0b0c0d);
    expect(view).toMatchObject({ id: "!0a0b0c0d", long_name: "Far away", has_key: true, key_source: "uplink:!00c0ffee", public_key: key.toString("base64") });
    expect(source.figures()).toMatchObject({ envelopes: 1, decrypted: 1, claims: 1, keys: 1 });
    expect(source.stats()).toEqual({ uplink_envelopes: 1, uplink_decrypted: 1, uplink_keys: 1, uplink_refused: 0 });
  });

  it("makes a burst of 5,000 envelopes from two gateways two ingests", async () => {
    const { conn, ingests, directory } = start();
    for (let i = 0; i < 5_000; i++) conn.deliver(nodeInfoEnvelope({ from: 0x100000 + i, key: randomBytes(32), gateway: i % 2 === 0 ? "!0000000a" : "!0000000b" }));
    await turn();
    expect(ingests.map((x) => [x.source, x.observations.length])).toEqual([
      ["uplink:!0000000a", 2_500],
      ["uplink:!0000000b", 2_500],
    ]);
    expect(directory.size).toBe(5_000);
  });

  it("drops a replayed (from, packet id) before decrypting it, also from another gateway", async () => {
    const { conn, source } = start();
    const key = randomBytes(32);
    const first = nodeInfoEnvelope({ from: 42, key, id: 9, gateway: "!00000001" });
    const again = nodeInfoEnvelope({ from: 42, key, id: 9, gateway: "!00000002" });
    conn.deliver(first, first, again);
    await turn();
    expect(source.figures()).toMatchObject({ envelopes: 3, decrypted: 1, claims: 1 });
    expect(source.figures().refused.replayed).toBe(2);
  });

  it("processes max_per_minute envelopes and counts the rest unread, until the window moves on", async () => {
    const { conn, source, clock } = start({ maxPerMinute: 10 });
    for (let i = 0; i < 25; i++) conn.deliver(nodeInfoEnvelope({ from: 1000 + i, key: randomBytes(32) }));
    await turn();
    expect(source.figures()).toMatchObject({ envelopes: 25, claims: 10 });
    expect(source.figures().refused.rate_limited).toBe(15);
    await clock.advance(60_001);
    conn.deliver(nodeInfoEnvelope({ from: 2000, key: randomBytes(32) }));
    expect(source.figures().claims).toBe(11);
  });

  it("counts garbage, PKI and keyless packets without throwing or ingesting", async () => {
    const { conn, source, ingests } = start();
    for (let seed = 1; seed <= 200; seed++) conn.deliver(garbageEnvelope(seed));
    conn.deliver(pkiEnvelope(1, 2), textEnvelope(3, "hi"), { topic: "msh/EU_868/2/map/", payload: Buffer.from("{}") });
    await turn();
    const f = source.figures();
    expect(f.refused).toMatchObject({ malformed: 200, topic: 1 });
    expect(f.skipped).toEqual({ pki: 1, no_key: 1 });
    expect(source.health()).toMatchObject({ connected: true, server: "mqtt://mesh.example:1883", trust: "claim", channels: ["LongFast"], refused_total: 201, envelopes: 203 });
    expect(ingests).toEqual([]);
  });

  it("keeps going when the directory throws", async () => {
    let calls = 0;
    const { conn, source } = start({
      sink: () => {
        calls++;
        throw new Error("disk on fire");
      },
    });
    conn.deliver(nodeInfoEnvelope({ from: 7, key: randomBytes(32) }));
    await turn();
    conn.deliver(nodeInfoEnvelope({ from: 8, key: randomBytes(32) }));
    await turn();
    expect(calls).toBe(2);
    expect(source.figures().claims).toBe(2);
  });
});
