// The directory keeps only the statuses that raise an alert (weak, duplicate, changed,
// radio_stale) and derives missing/ok from the record. Whatever happens to the nodes, what it
// reports must equal a full recomputation from its records (health.computeStatuses).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { computeStatuses } from "../../src/directory/health.js";
import { KeyDirectory } from "../../src/directory/keys.js";
import type { Observation } from "../../src/directory/merge.js";
import type { KeyPolicy, NodeStatus } from "../../src/directory/record.js";
import { crc32 } from "../../src/directory/crc32.js";
import { hashOf, key } from "./util.js";

const WEAK = key(99);
const KEYS = [key(1), key(2), key(3), WEAK];
/** Node 5 is crc32 of key 2: a 2.8 renumbering of whoever else holds key 2 is no duplicate. */
const NUMS = [1, 2, 3, 4, crc32(KEYS[1] as Uint8Array), 0xa76f40da];

type Op =
  | { op: "dump"; nodes: [number, number | null][]; policy: KeyPolicy }
  | { op: "packet"; num: number; key: number; policy: KeyPolicy }
  | { op: "gateway"; num: number; key: number }
  | { op: "accept" | "reject" | "forget"; num: number }
  | { op: "tick" };

const num = fc.constantFrom(...NUMS);
const keyIndex = fc.integer({ min: 0, max: KEYS.length - 1 });
const policy = fc.constantFrom<KeyPolicy>("alert", "pin");
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant("dump" as const), nodes: fc.array(fc.tuple(num, fc.option(keyIndex)), { maxLength: 6 }), policy }),
  fc.record({ op: fc.constant("packet" as const), num, key: keyIndex, policy }),
  fc.record({ op: fc.constant("gateway" as const), num, key: keyIndex }),
  fc.record({ op: fc.constantFrom("accept" as const, "reject" as const, "forget" as const), num }),
  fc.record({ op: fc.constant("tick" as const) }),
);

function apply(directory: KeyDirectory, o: Op, tick: () => void): void {
  const obs = (n: number, k: number | null, heardAt?: number | "now"): Observation => ({ num: n, key: k === null ? null : (KEYS[k] as Uint8Array), heardAt });
  switch (o.op) {
    case "dump":
      directory.ingest(o.nodes.map(([n, k]) => obs(n, k, 1_700_000_000)), "nodedb", o.policy);
      return;
    case "packet":
      directory.ingest([obs(o.num, o.key, "now")], "packet", o.policy);
      return;
    case "gateway":
      directory.ingest([obs(o.num, o.key)], "gateway:other", "alert");
      return;
    case "accept":
      directory.acceptKey(o.num);
      return;
    case "reject":
      directory.rejectKey(o.num);
      return;
    case "forget":
      directory.forget(o.num);
      return;
    case "tick":
      tick();
  }
}

function expectRecomputed(directory: KeyDirectory, weak: ReadonlySet<string>): void {
  const records = directory.snapshot();
  const expected = computeStatuses(records, weak);
  const views = directory.list();
  expect(views.map((v) => [v.num, v.status])).toEqual([...expected].sort((a, b) => a[0] - b[0]));
  for (const view of views) expect(directory.view(view.num)?.status).toBe(expected.get(view.num));
  const alerts = [...expected.values()].filter((s: NodeStatus) => s !== "ok" && s !== "missing").length;
  expect(directory.summary()).toMatchObject({ nodes_total: records.length, alerts });
}

describe("KeyDirectory statuses", () => {
  it("equal a full recomputation after any sequence of dumps, packets, gateway keys, accept, reject and forget", () => {
    const weak = new Set([hashOf(WEAK)]);
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 25 }), (ops) => {
        let now = 1_800_000_000;
        const directory = new KeyDirectory({ now: () => now, weakHashes: weak });
        for (const o of ops) {
          apply(directory, o, () => (now += 60));
          expectRecomputed(directory, weak);
        }
        // A reload from the records gives the same statuses.
        const reloaded = new KeyDirectory({ now: () => now, weakHashes: weak });
        reloaded.load(directory.snapshot());
        expect(reloaded.list()).toEqual(directory.list());
      }),
      { numRuns: 300 },
    );
  });

  it("the announcement of a status change carries the status before and after it", () => {
    const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
    const seen: [string, NodeStatus][] = [];
    directory.on("nodeChanged", (view) => seen.push([view.id, view.status]));
    directory.ingest([{ num: 1, key: KEYS[0] as Uint8Array }], "nodedb", "alert");
    directory.ingest([{ num: 1, key: KEYS[0] as Uint8Array }, { num: 2, key: KEYS[0] as Uint8Array }], "nodedb", "alert");
    // Node 2 takes another key: both leave `duplicate`, node 1 without a change of its own record.
    directory.ingest([{ num: 2, key: KEYS[2] as Uint8Array, heardAt: "now" }], "packet", "alert");
    directory.forget(2);
    expect(seen).toEqual([
      ["!00000001", "ok"],
      ["!00000001", "duplicate"],
      ["!00000002", "duplicate"],
      ["!00000001", "ok"],
      ["!00000002", "changed"],
    ]);
    expect(directory.view(1)?.status).toBe("ok");
    expect(directory.view(2)).toBeUndefined();
  });
});
