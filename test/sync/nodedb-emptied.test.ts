// The pure reading of an own-node-only dump: which firmware can refuse a client its NodeDB,
// when an emptied NodeDB is news, and the order a refill puts keys back.
import { describe, expect, it } from "vitest";
import { emptiedNews, mayHaveAccessControl, otherNodes, readDump, refillOrder } from "../../src/sync/nodedb-emptied.js";
import { afterEmptied, afterDump, NO_RADIO_NODES, radioNodeFigures } from "../../src/sync/radio-nodes.js";
import { observeDump } from "../../src/sync/observe.js";
import { dump, key, record, remote } from "../directory/util.js";

describe("which firmware may have per-client access control", () => {
  it("releases before 2.8 cannot; 2.8 and later may", () => {
    for (const version of ["2.7.26.abcdef", "2.7.26.sim", "2.7.15.567b8ea", "2.5.0.aaaaaaa", "2.6.11", "1.3.48.abcdef", "v2.7.26.abcdef", "2.7"]) {
      expect(mayHaveAccessControl(version), version).toBe(false);
    }
    for (const version of ["2.8.0.abcdef", "2.8.0", "2.8.1.a1b2c3d", "2.10.0.abcdef", "2.70.0", "3.0.0.abcdef"]) {
      expect(mayHaveAccessControl(version), version).toBe(true);
    }
  });

  it("an unknown or unreadable version is read cautiously, as 2.8", () => {
    for (const version of [null, "", "unknown", "2", "two.seven", "2.x.1"]) expect(mayHaveAccessControl(version), String(version)).toBe(true);
  });
});

describe("reading a dump", () => {
  const own = remote(1, key(1));
  it("a dump with other nodes lists the NodeDB whatever the firmware", () => {
    expect(readDump(dump(own, [remote(2, key(2))]), "2.8.0.abc")).toBe("listed");
    expect(readDump(dump(own, [remote(2, key(2))]), null)).toBe("listed");
  });

  it("only the own node: emptied on 2.7, refused on 2.8 or an unknown version; only an emptied one is merged", () => {
    const ownOnly = dump(own, []);
    expect(readDump(ownOnly, "2.7.26.sim")).toBe("emptied");
    expect(readDump(ownOnly, "2.8.0.sim")).toBe("refused");
    expect(readDump(ownOnly, null)).toBe("refused");
    expect(observeDump(ownOnly, "refused")).toBeNull();
    expect(observeDump(ownOnly)).toBeNull();
    expect(observeDump(ownOnly, "emptied")?.map((o) => o.num)).toEqual([1]);
  });

  it("news once per emptying: only while the directory still had other nodes in the radio", () => {
    expect(emptiedNews("emptied", 12)).toBe(true);
    // A later sync of the same empty radio: every node is already in_radio false.
    expect(emptiedNews("emptied", 0)).toBe(false);
    expect(emptiedNews("refused", 12)).toBe(false);
    expect(emptiedNews("listed", 12)).toBe(false);
    // The figures it is given: the other nodes the directory knows, and those still in the radio.
    const records = [record(1, key(1)), record(2, key(2)), record(3, key(3), { inRadio: false }), record(4, null)];
    expect([otherNodes(records, 1, true), otherNodes(records, 1, false), otherNodes(records, null, true)]).toEqual([1, 3, 2]);
  });

  it("the figures: the own node alone in the radio; the lost nodes are not evictions", () => {
    const before = afterDump(afterDump(NO_RADIO_NODES, dump(own, [remote(2, null), remote(3, null)])), dump(own, [remote(2, null)]));
    expect(radioNodeFigures(before)).toEqual({ radio_nodes: 2, nodes_evicted: 1 });
    expect(radioNodeFigures(afterEmptied(before, dump(own, [])))).toEqual({ radio_nodes: 1, nodes_evicted: 1 });
    expect(radioNodeFigures(afterEmptied(before, dump(null, [])))).toEqual({ radio_nodes: 0, nodes_evicted: 1 });
  });
});

describe("the refill order", () => {
  const gone = (num: number, lastSeen: number, extra = {}) => record(num, key(num), { inRadio: false, radioKey: null, lastSeen, ...extra });
  it("watched nodes first, then the most recently heard; only nodes the radio lacks with a confirmed key, never the own node", () => {
    const records = [
      gone(10, 500),
      gone(11, 900),
      gone(12, 100),
      gone(13, 300),
      gone(14, 900),
      record(15, key(15), { lastSeen: 2000 }), // still in the radio
      record(16, null, { inRadio: false, lastSeen: 3000 }), // no key to give
      gone(17, 800, { confirmedKey: null }), // heard a key, never confirmed (pin)
      gone(1, 5000), // the radio's own node
    ];
    expect(refillOrder(records, new Set(), 1)).toEqual([11, 14, 10, 13, 12]);
    expect(refillOrder(records, new Set([12, 13, 99]), 1)).toEqual([13, 12, 11, 14, 10]);
    expect(refillOrder([], new Set([1]), null)).toEqual([]);
  });
});
