// Firmware 2.8 identity rules of the simulator, pure: numbers from keys, a collision redrawn,
// default names following the number, and when a NodeInfo verifies as signed.
import { describe, expect, it } from "vitest";
import { crc32 } from "../../src/crc32.js";
import { makeNode } from "../../src/sim/generate.js";
import { numberByKey, reflashedIdentity, verifiesSigned } from "../../src/sim/identity.js";
import { Prng } from "../../src/sim/prng.js";

const key = (fill: number): Uint8Array => new Uint8Array(32).fill(fill);

describe("numberByKey", () => {
  it("numbers a node crc32(key), and its generated names follow the new number", () => {
    const node = makeNode(new Prng(3), 0x1234abcd, true, 1_700_000_000);
    expect(node.longName.endsWith("abcd")).toBe(true);
    numberByKey(node, () => false, () => key(1));
    const tail = node.id.slice(-4);
    expect(node.num).toBe(crc32(node.publicKey!));
    expect(node.longName.endsWith(tail)).toBe(true);
    expect(node.shortName).toBe(tail.toUpperCase());
  });

  it("draws another key when the number is taken", () => {
    const node = makeNode(new Prng(3), 0x1234abcd, true, 1_700_000_000);
    const first = crc32(node.publicKey!);
    numberByKey(node, (num) => num === first, () => key(9));
    expect(node.num).toBe(crc32(key(9)));
    expect(Buffer.from(node.publicKey!).equals(Buffer.from(key(9)))).toBe(true);
  });
});

describe("reflashedIdentity", () => {
  it("keeps the user, takes the new key's number, and forgets what the radio knew of the old one", () => {
    const device = { ...makeNode(new Prng(4), 0x22223333, true, 1_700_000_000), isFavorite: true, verified: true, xeddsaSigned: true };
    const next = reflashedIdentity(device, key(5));
    expect({ num: next.num, long: next.longName, short: next.shortName, hw: next.hwModel, role: next.role }).toEqual({
      num: crc32(key(5)),
      long: device.longName,
      short: device.shortName,
      hw: device.hwModel,
      role: device.role,
    });
    expect({ fav: next.isFavorite, verified: next.verified, signed: next.xeddsaSigned }).toEqual({ fav: false, verified: false, signed: false });
  });
});

describe("verifiesSigned", () => {
  it("only a key whose crc32 is the sender's number, and the one the radio holds if it holds one", () => {
    const k = key(2);
    const num = crc32(k);
    expect(verifiesSigned(num, k, null)).toBe(true);
    expect(verifiesSigned(num, k, k)).toBe(true);
    expect(verifiesSigned(num, k, key(3))).toBe(false);
    expect(verifiesSigned(num + 1, k, null)).toBe(false);
    expect(verifiesSigned(num, null, null)).toBe(false);
  });
});
