// Bad input on the wire: random bytes, truncated frames, wrong and over-long lengths, frames
// whose protobuf is corrupt, and valid protobufs with absurd values (keys of 31/33/0 bytes or
// all zeros, node numbers 0 and 0xFFFFFFFF, names up to 10 KB). Fed through the real path
// (socket → FrameDecoder → decodeFromRadio → dump/packet handling → manager → directory):
// never a crash, never a key stored that the radio did not send as a valid 32-byte key of that
// node, and every dropped frame counted.
//
// Fixed seed; FUZZ_RUNS=5000 (and FUZZ_SEED) for a longer run.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../../src/directory/keys.js";
import { FrameDecoder, HEADER_LENGTH, MAX_PAYLOAD, encodeFrame } from "../../../src/protocol/frames.js";
import { createNodeInfo, decodeFromRadio, encodeFromRadio } from "../../../src/protocol/messages.js";
import { MeshtasticRadio } from "../../../src/radio/meshtastic.js";
import { remoteNodeFromInfo } from "../../../src/radio/packets.js";
import { systemClock } from "../../../src/timing/clock.js";
import { KeySyncManager } from "../../../src/sync/manager.js";
import type { SyncStats } from "../../../src/sync/stats.js";
import { nextEvent } from "../../helpers/events.js";
import {
  ScriptedRadio,
  completeFrame,
  hex,
  keyOf,
  myInfoFrame,
  nodeInfoPacketPayload,
  nodeInfoPayload,
  pkiPacketPayload,
  type NodeSpec,
} from "./scripted-radio.js";

/** No lone surrogate (String.prototype.isWellFormed, which our TS lib lacks). */
const wellFormed = (text: string | undefined): boolean => text !== undefined && !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const OWN = 0x0a0b0c0d;

// --- generators -------------------------------------------------------------------------

/** One piece of the stream, with the (node, key) pairs it sends validly, if any. */
interface Segment {
  bytes: Buffer;
  pairs: [number, string][];
}

const nums = fc.oneof(
  fc.constantFrom(0, 0xffffffff, OWN, 1, 0xfffffffe),
  fc.integer({ min: 0x100, max: 0x120 }), // a small pool, so the same node comes back with other keys
  fc.integer({ min: 0, max: 0xffffffff }),
);
const keys = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ minLength: 31, maxLength: 31 }),
  fc.uint8Array({ minLength: 33, maxLength: 33 }),
  fc.constant(new Uint8Array(32)),
  fc.constant(new Uint8Array(0)),
  fc.constant(null),
);
const names = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: "grapheme", maxLength: 70 }), // emoji and other multi-unit characters
  fc.integer({ min: 380, max: 520 }).map((n) => "x".repeat(n)), // around the 512-byte frame limit
  fc.constant("Ô".repeat(5_000)), // 10 KB, and 0x94 0xC3 inside it
);
const node = fc.record({ num: nums, key: keys, longName: names, shortName: fc.string({ maxLength: 12 }) });

/** What the radio validly says: the pair counts only for a key of exactly 32 bytes, not all zero. */
function validPair(spec: NodeSpec, payload: Uint8Array): [number, string][] {
  if (payload.length > MAX_PAYLOAD || !spec.key || spec.key.length !== 32) return [];
  return [[spec.num >>> 0, hex(spec.key) as string]];
}

/** A frame, also over the limit: then the header carries the true (refused) length. */
function rawFrame(payload: Uint8Array): Buffer {
  if (payload.length <= MAX_PAYLOAD) return encodeFrame(payload);
  const header = Buffer.from([0x94, 0xc3, 0, 0]);
  header.writeUInt16BE(Math.min(payload.length, 0xffff), 2);
  return Buffer.concat([header, payload]);
}

const nodeInfoSeg = node.map((spec): Segment => {
  const payload = nodeInfoPayload(spec);
  return { bytes: rawFrame(payload), pairs: validPair(spec, payload) };
});
const nodeInfoPacketSeg = node.map((spec): Segment => {
  const payload = nodeInfoPacketPayload(spec);
  return { bytes: rawFrame(payload), pairs: validPair(spec, payload) };
});
const pkiSeg = fc.record({ num: nums, key: keys }).map(({ num, key }): Segment => {
  const payload = pkiPacketPayload(num, key ?? new Uint8Array(0), OWN);
  return { bytes: rawFrame(payload), pairs: validPair({ num, key }, payload) };
});
const garbage = fc.oneof(
  fc.uint8Array({ maxLength: 80 }),
  fc.constant(new TextEncoder().encode("DEBUG | 12:00:00 42 [Router] Lost packet\r\n")),
  fc.constant(Uint8Array.from([0x94])),
  fc.constant(Uint8Array.from([0x94, 0xc3])),
).map((b): Segment => ({ bytes: Buffer.from(b), pairs: [] }));
/** A header with a random (often wrong, sometimes over-long) length, then random bytes. */
const wrongLength = fc.record({ length: fc.integer({ min: 0, max: 0xffff }), body: fc.uint8Array({ maxLength: 600 }) }).map(({ length, body }): Segment => {
  const header = Buffer.from([0x94, 0xc3, length >> 8, length & 0xff]);
  return { bytes: Buffer.concat([header, body]), pairs: [] };
});
/** A well-framed payload that is no FromRadio, or a broken one. */
const corrupt = fc.uint8Array({ minLength: 1, maxLength: MAX_PAYLOAD }).map((b): Segment => ({ bytes: encodeFrame(b), pairs: [] }));
/**
 * A valid frame cut short. Over TCP that happens only when the connection ends (bytes are not
 * lost mid-stream), so it is tested as the last thing before the radio drops the connection:
 * followed by more bytes, a length-trusting reader (like the firmware's) would take them as
 * the rest of the frame.
 */
const truncated = fc.tuple(node, fc.double({ min: 0, max: 0.999, noNaN: true })).map(([spec, at]): Buffer => {
  const bytes = rawFrame(nodeInfoPayload(spec));
  return bytes.subarray(0, Math.floor(HEADER_LENGTH + (bytes.length - HEADER_LENGTH) * at));
});
const absurdControl = fc.oneof(
  fc.integer({ min: 0, max: 0xffffffff }).map((n): Segment => ({ bytes: myInfoFrame(n), pairs: [] })),
  fc.constantFrom(69421, 69420, 0, 0xffffffff).map((n): Segment => ({ bytes: completeFrame(n), pairs: [] })),
);

const segment = fc.oneof(
  { arbitrary: nodeInfoSeg, weight: 4 },
  { arbitrary: nodeInfoPacketSeg, weight: 2 },
  { arbitrary: pkiSeg, weight: 2 },
  { arbitrary: garbage, weight: 2 },
  { arbitrary: wrongLength, weight: 1 },
  { arbitrary: corrupt, weight: 2 },
  { arbitrary: absurdControl, weight: 1 },
);
const stream = fc.array(segment, { minLength: 1, maxLength: 25 });
const validNode = fc.record({ num: fc.integer({ min: 1, max: 0xfffffffe }), key: fc.uint8Array({ minLength: 32, maxLength: 32 }) });

// --- the rig: one connection, one refresh per run ------------------------------------------

/** Enough bytes to finish any frame the stream left open (at most 512 + 4), then resync. */
const RESYNC = Buffer.alloc(MAX_PAYLOAD + HEADER_LENGTH + 4, 0);
const queue: Buffer[] = [];
const sent = new Set<string>();
const pair = (num: number, key: string): string => `${num >>> 0}:${key}`;
let scripted: ScriptedRadio;
let radio: MeshtasticRadio;
let manager: KeySyncManager;
let directory: KeyDirectory;

beforeAll(async () => {
  const ownKey = keyOf(99);
  sent.add(pair(OWN, hex(ownKey) as string));
  scripted = new ScriptedRadio(({ nonce, count, socket }) => {
    const head = count === 1 ? [myInfoFrame(OWN)] : [];
    socket.write(Buffer.concat([...head, encodeFrame(nodeInfoPayload({ num: OWN, key: ownKey })), queue.shift() ?? Buffer.alloc(0), RESYNC, completeFrame(nonce)]));
  });
  const port = await scripted.start();
  radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 20, dumpTimeoutMs: 10_000 });
  directory = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: new Set() });
  manager = new KeySyncManager({ radio, directory, clock: systemClock, interval: 3600, enabled: true, initialDelay: 0, onDemand: false, onDemandMaxPerMinute: 6, keyChange: "alert" });
  manager.start();
  const ready = nextEvent(manager, "stats", (s: SyncStats) => s.sync_count === 1);
  radio.start();
  await ready;
});

afterAll(async () => {
  await manager.stop();
  await radio.stop();
  await scripted.stop();
});

function checkDirectory(): void {
  for (const record of directory.snapshot()) {
    expect(record.num).toBeGreaterThan(0);
    expect(record.num).toBeLessThan(0xffffffff);
    expect(record.longName.length).toBeLessThanOrEqual(64);
    expect(wellFormed(record.longName), `long name of ${record.id} is well-formed UTF-16`).toBe(true);
    expect(wellFormed(record.shortName)).toBe(true);
    for (const key of [record.key, record.pendingKey]) {
      if (key === null) continue;
      expect(key).toHaveLength(32);
      expect(sent.has(pair(record.num, hex(key) as string)), `key of ${record.id} was sent by the radio for it`).toBe(true);
    }
  }
}

describe("wire fuzz", () => {
  it("FrameDecoder: any bytes, cut anywhere: no throw, same frames whatever the cuts, bounded buffer", () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 10 }), (segments, cuts) => {
        const bytes = Buffer.concat(segments.map((s) => s.bytes));
        const whole: string[] = [];
        new FrameDecoder((p) => whole.push(p.toString("hex"))).push(bytes);
        const pieces: string[] = [];
        const decoder = new FrameDecoder((p) => pieces.push(p.toString("hex")));
        let at = 0;
        for (const cut of [...cuts.map((c) => c % (bytes.length + 1))].sort((a, b) => a - b)) {
          decoder.push(bytes.subarray(at, cut));
          at = cut;
          expect(decoder.pending).toBeLessThanOrEqual(MAX_PAYLOAD + HEADER_LENGTH);
        }
        decoder.push(bytes.subarray(at));
        expect(pieces).toEqual(whole);
        for (const frame of pieces) expect(frame.length / 2).toBeLessThanOrEqual(MAX_PAYLOAD);
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
  });

  it("remoteNodeFromInfo: absurd values give no node, or a node with a valid key or none", () => {
    fc.assert(
      fc.property(node, fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 0xffffffff }), (spec, verified, ignored, lastHeard) => {
        const info = createNodeInfo({
          num: spec.num,
          user: { longName: spec.longName, shortName: spec.shortName, publicKey: spec.key ?? new Uint8Array(0) },
          isKeyManuallyVerified: verified,
          isIgnored: ignored,
          lastHeard,
        });
        const remote = remoteNodeFromInfo(decodeFromRadio(encodeFromRadio({ payloadVariant: { case: "nodeInfo", value: info } })).payloadVariant.value as typeof info);
        if (spec.num === 0 || spec.num === 0xffffffff) {
          expect(remote).toBeNull();
          return;
        }
        expect(remote?.num).toBe(spec.num);
        const valid = spec.key?.length === 32 && spec.key.some((b) => b !== 0);
        expect(hex(remote?.publicKey)).toBe(valid ? hex(spec.key) : null);
        expect(remote?.longName.length).toBeLessThanOrEqual(64);
        expect(wellFormed(remote?.longName)).toBe(true);
        expect(wellFormed(remote?.shortName)).toBe(true);
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
  });

  it("a name cut at 64 UTF-16 units never splits a character", () => {
    const info = createNodeInfo({ num: 5, user: { longName: `${"a".repeat(63)}😀`, shortName: "😀😀😀😀😀" } });
    const remote = remoteNodeFromInfo(info);
    expect(wellFormed(remote?.longName)).toBe(true);
    expect(wellFormed(remote?.shortName)).toBe(true);
    expect(remote?.longName).toBe("a".repeat(63));
  });

  it("through the radio link: no crash, no wrong key, dropped frames counted", { timeout: 30_000 + RUNS * 100 }, async () => {
    const before = radio.linkStats;
    await fc.assert(
      fc.asyncProperty(stream, async (segments) => {
        for (const s of segments) for (const [num, key] of s.pairs) sent.add(pair(num, key));
        queue.push(Buffer.concat(segments.map((s) => s.bytes)));
        await manager.sync();
        checkDirectory();
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // Runs may end their refresh early (a stray config_complete_id 69421): one clean sync reads the rest.
    await manager.sync();
    checkDirectory();
    const after = radio.linkStats;
    expect(radio.status.state).toBe("connected");
    expect(scripted.connections).toBe(1);
    expect(after.undecodable).toBeGreaterThan(before.undecodable);
    expect(after.oversized).toBeGreaterThan(before.oversized);
    expect(after.skippedBytes).toBeGreaterThan(before.skippedBytes);
    expect(manager.stats().sync_count).toBeGreaterThan(RUNS);
  });

  it("a handshake whose last frame is cut off by a dropped connection stores nothing and counts no sync", async () => {
    const streams: Buffer[] = [];
    const cut = new ScriptedRadio(({ socket }) => {
      socket.end(streams.shift() ?? Buffer.alloc(0));
    });
    const port = await cut.start();
    const link = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 5_000 });
    const dir = new KeyDirectory({ now: () => Math.floor(Date.now() / 1000), weakHashes: new Set() });
    const m = new KeySyncManager({ radio: link, directory: dir, clock: systemClock, interval: 3600, enabled: true, initialDelay: 0, onDemand: false, onDemandMaxPerMinute: 6, keyChange: "alert" });
    m.start();
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(validNode, { maxLength: 8 }), truncated, async (nodes, last) => {
          streams.push(Buffer.concat([myInfoFrame(OWN), ...nodes.map((n) => encodeFrame(nodeInfoPayload(n))), last]));
          const closed = nextEvent(link, "status", (s: { state: string; reason?: string }) => s.state === "disconnected" && s.reason !== "stopped");
          link.start();
          await closed;
          await link.stop();
          expect(dir.size).toBe(0);
          expect(m.stats().sync_count).toBe(0);
        }),
        { seed: SEED, numRuns: Math.max(10, Math.round(RUNS / 5)) },
      );
    } finally {
      await m.stop();
      await link.stop();
      await cut.stop();
    }
  });
});
