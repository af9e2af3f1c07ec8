import { describe, expect, it } from "vitest";
import { afterDump, countMissing, NO_RADIO_NODES, radioNodeFigures } from "../../src/sync/radio-nodes.js";
import { dump, remote } from "../directory/util.js";

const nodes = (...nums: number[]) => nums.map((n) => remote(n, null));

describe("radio NodeDB figures", () => {
  it("unknown before the first dump; a dump counts its nodes and the radio's own", () => {
    expect(radioNodeFigures(NO_RADIO_NODES)).toEqual({ radio_nodes: null, nodes_evicted: 0 });
    const first = afterDump(NO_RADIO_NODES, dump(remote(1, null), nodes(5, 3, 4)));
    expect(radioNodeFigures(first)).toEqual({ radio_nodes: 4, nodes_evicted: 0 });
    expect([...first.present!]).toEqual([1, 3, 4, 5]);
    // Without an own node (not every radio sends one on a re-read), only the others.
    expect(radioNodeFigures(afterDump(NO_RADIO_NODES, dump(null, nodes(5, 3))))).toMatchObject({ radio_nodes: 2 });
  });

  it("counts every node that was in one dump and is absent from a later one, across dumps", () => {
    let s = afterDump(NO_RADIO_NODES, dump(remote(1, null), nodes(2, 3, 4, 5)));
    s = afterDump(s, dump(remote(1, null), nodes(2, 4, 6))); // 3 and 5 left
    expect(radioNodeFigures(s)).toEqual({ radio_nodes: 4, nodes_evicted: 2 });
    s = afterDump(s, dump(remote(1, null), nodes(3, 4, 6, 7))); // 2 left; 3 came back
    s = afterDump(s, dump(remote(1, null), nodes(4, 6, 7))); // 3 left again: a second departure
    expect(radioNodeFigures(s)).toEqual({ radio_nodes: 4, nodes_evicted: 4 });
    // Node numbers above 2^31 are unsigned, and a repeated entry counts once.
    s = afterDump(s, dump(remote(0xa76f40da, null), nodes(0xffffffff, 0xffffffff, 4)));
    expect(radioNodeFigures(s)).toEqual({ radio_nodes: 3, nodes_evicted: 4 + 3 });
  });

  it("countMissing over sorted lists", () => {
    const u = (...n: number[]) => Uint32Array.from(n);
    expect(countMissing(u(), u(1, 2))).toBe(0);
    expect(countMissing(u(1, 2, 3), u())).toBe(3);
    expect(countMissing(u(1, 3, 5, 7), u(0, 3, 4, 7, 9))).toBe(2);
    expect(countMissing(u(1, 2, 3), u(1, 2, 3))).toBe(0);
  });
});
