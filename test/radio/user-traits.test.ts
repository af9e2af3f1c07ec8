// The link's compact memory of each node's User besides names and key (user-traits.ts).
import { describe, expect, it } from "vitest";
import { DeviceRole, HardwareModel } from "../../src/protocol/messages.js";
import { TraitsBatch, TraitsTable, packTraits, unpackTraits } from "../../src/radio/user-traits.js";

const router = { hwModel: HardwareModel.RAK4631, role: DeviceRole.ROUTER, isLicensed: false, isUnmessagable: true };
const client = { hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: true, isUnmessagable: undefined };
const bare = { hwModel: HardwareModel.UNSET, role: DeviceRole.CLIENT, isLicensed: false, isUnmessagable: undefined };

function batch(...entries: [number, typeof router | typeof client | typeof bare | undefined][]): TraitsBatch {
  const b = new TraitsBatch();
  for (const [num, user] of entries) b.add(num, user);
  return b;
}

describe("packTraits / unpackTraits", () => {
  it("round-trips every field, is_unmessagable's absence included", () => {
    expect(unpackTraits(packTraits(router))).toEqual(router);
    expect(unpackTraits(packTraits({ ...router, isUnmessagable: false }))).toEqual({ ...router, isUnmessagable: false });
    expect(unpackTraits(packTraits(client))).toEqual({ hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: true });
    expect(unpackTraits(packTraits({ ...client, hwModel: HardwareModel.PRIVATE_HW, role: 31 }))).toMatchObject({ hwModel: HardwareModel.PRIVATE_HW, role: 31 });
  });

  it("is 0 for a User with none of them, and for enums beyond what fits (that node's contact stays bare)", () => {
    expect(packTraits(bare)).toBe(0);
    expect(packTraits({ ...router, hwModel: 4096 })).toBe(0);
    expect(packTraits({ ...router, role: 32 })).toBe(0);
    expect(packTraits({ ...router, role: -1 })).toBe(0);
  });
});

describe("TraitsTable", () => {
  it("answers what the last dump said, null for a node never reported; node numbers up to 0xfffffffe", () => {
    const t = new TraitsTable();
    t.merge(batch([0xfffffffe, router], [1, client], [0xa76f40da, router]));
    expect(t.get(0xfffffffe)).toEqual(router);
    expect(t.get(1)).toEqual({ hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: true });
    expect(t.get(0xa76f40da)).toEqual(router);
    expect(t.get(2)).toBeNull();
    expect(t.get(0xa76f40db)).toBeNull();
    expect(t.size).toBe(3);
  });

  it("a later dump replaces what it lists, keeps what it does not (evicted nodes), forgets a node now bare or without a User", () => {
    const t = new TraitsTable();
    t.merge(batch([10, router], [20, client], [30, router], [40, client]));
    t.merge(batch([20, router], [30, bare], [40, undefined], [50, client]));
    expect(t.get(10)).toEqual(router);
    expect(t.get(20)).toEqual(router);
    expect(t.get(30)).toBeNull();
    expect(t.get(40)).toBeNull();
    expect(t.get(50)).toMatchObject({ hwModel: HardwareModel.TBEAM });
    expect(t.size).toBe(3);
  });

  it("an empty dump (2.8's answer to an unauthorised client) changes nothing; bare nodes cost nothing", () => {
    const t = new TraitsTable();
    t.merge(batch([10, router]));
    t.merge(new TraitsBatch());
    expect(t.get(10)).toEqual(router);
    t.merge(batch([11, bare], [12, bare]));
    expect(t.size).toBe(1);
  });

  it("keeps one report for a node a dump lists twice", () => {
    const t = new TraitsTable();
    t.merge(batch([7, router], [7, client], [8, router]));
    expect(t.size).toBe(2);
    expect(t.get(8)).toEqual(router);
    expect([router, unpackTraits(packTraits(client))]).toContainEqual(t.get(7));
  });

  it("merges large dumps in any order", () => {
    const t = new TraitsTable();
    const nums = Array.from({ length: 5000 }, (_, i) => ((i * 2654435761) >>> 0) || 1);
    t.merge(batch(...nums.map((n): [number, typeof router] => [n, router])));
    t.merge(batch(...nums.filter((_, i) => i % 2 === 0).map((n): [number, typeof client] => [n, client])));
    for (const [i, n] of nums.entries()) expect(t.get(n)?.hwModel).toBe(i % 2 === 0 ? client.hwModel : router.hwModel);
    expect(t.size).toBe(new Set(nums).size);
  });
});
