import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../../src/directory/record.js";
import { pushVerdict } from "../../src/sync/push.js";
import { keyFields } from "../../src/directory/record.js";
import { record as baseRecord, ingestDump } from "../directory/util.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 7);

function record(extra: Partial<KeyRecord> = {}): KeyRecord {
  return baseRecord(0xa76f40da, KEY, { longName: "Alpha", shortName: "AL", ...extra });
}

describe("pushVerdict", () => {
  it("pushes a key our radio taught us, as a full contact", () => {
    expect(pushVerdict(record(), false, ["*"])).toEqual({ contact: { num: 0xa76f40da, longName: "Alpha", shortName: "AL", publicKey: KEY } });
  });

  it("pushes a trusted gateway's key, refuses an untrusted one", () => {
    expect("contact" in pushVerdict(record({ origin: "gateway:cabin", source: "gateway:cabin" }), false, ["cabin"])).toBe(true);
    expect(pushVerdict(record({ origin: "gateway:rogue", source: "gateway:rogue" }), false, ["cabin"])).toEqual({ refused: expect.stringMatching(/not from our radio or a trusted gateway/) as unknown });
  });

  it("a changed node's new key goes nowhere: the confirmed key is pushed, from where the confirmed key came", () => {
    const heard = Uint8Array.from({ length: 32 }, (_, i) => 200 - i);
    const changed = record({ ...keyFields(heard), origin: "packet", source: "packet", changed: true, confirmedKey: KEY, confirmedOrigin: "nodedb" });
    expect(pushVerdict(changed, false, ["*"])).toEqual({ contact: expect.objectContaining({ publicKey: KEY }) as unknown });
    // A confirmed key from an untrusted gateway stays refused, whatever the held key's source.
    const untrusted = record({ ...keyFields(heard), origin: "packet", changed: true, confirmedKey: KEY, confirmedOrigin: "gateway:rogue" });
    expect(pushVerdict(untrusted, false, ["cabin"])).toEqual({ refused: expect.stringMatching(/gateway:rogue/) as unknown });
  });

  it.each([
    ["an unknown node", undefined, false, /not in the key directory/],
    ["a node without a key", record({ ...keyFields(null) }), false, /no key/],
    ["a key the radio already holds", record(), true, /already holds a key/],
    ["a node the radio ignores", record({ ignored: true }), false, /ignored/],
  ])("refuses %s", (_what, rec, radioHasKey, reason) => {
    const verdict = pushVerdict(rec, radioHasKey, ["*"]);
    expect("refused" in verdict && verdict.refused).toMatch(reason);
  });
});

describe("KeyPusher", () => {
  it("keeps to push.max_per_hour by the injected clock", async () => {
    const { EventEmitter } = await import("node:events");
    const { KeyPusher } = await import("../../src/sync/push.js");
    const { KeyDirectory } = await import("../../src/directory/keys.js");
    const { ManualClock } = await import("../helpers/clock.js");
    const clock = new ManualClock();
    const directory = new KeyDirectory({ now: () => 1, weakHashes: new Set() });
    const nodes = [1, 2, 3].map((n) => ({ num: n, id: `!0000000${n}`, longName: "", shortName: "", publicKey: Uint8Array.from({ length: 32 }, (_, i) => i + n), verified: false, ignored: false, lastHeard: 0 }));
    ingestDump(directory, { kind: "refresh", own: null, nodes, durationMs: 1, completedAt: 1 }, "alert");
    const pushed: number[] = [];
    const radio = Object.assign(new EventEmitter(), {
      addContact: (contact: { num: number }) => {
        pushed.push(contact.num);
        return Promise.resolve({ ok: true as const, id: contact.num });
      },
    });
    const pusher = new KeyPusher({ enabled: true, radio: radio as never, directory, clock, maxPerHour: 2, trust: ["*"], timeoutSec: 1 });
    await pusher.push(1);
    await pusher.push(2);
    await expect(pusher.push(3)).rejects.toThrow(/more than 2 pushes per hour/);
    await clock.advance(3_600_001);
    await pusher.push(3);
    expect(pushed).toEqual([1, 2, 3]);
  });
});
