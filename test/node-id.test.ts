import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeId, parseNodeId } from "../src/node-id.js";

describe("nodeId", () => {
  it("is ! and 8 lowercase hex digits of the unsigned 32-bit number", () => {
    expect(nodeId(0)).toBe("!00000000");
    expect(nodeId(0xa76f40da)).toBe("!a76f40da");
    expect(nodeId(0xffffffff)).toBe("!ffffffff");
    expect(nodeId(-1)).toBe("!ffffffff");
    expect(nodeId(0x1_0000_0005)).toBe("!00000005");
    expect(nodeId(0x0102)).toBe("!00000102");
  });

  it("agrees with toString(16) for every 32-bit number, and parseNodeId reverses it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (num) => {
        const id = nodeId(num);
        expect(id).toBe(`!${num.toString(16).padStart(8, "0")}`);
        expect(parseNodeId(id)).toBe(num);
      }),
      { numRuns: 2000 },
    );
  });
});
