// The status counts are walked again only after the directory announced a change.
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import type { DirectoryEvents } from "../../src/directory/keys.js";
import type { KeyRecord, NodeStatus } from "../../src/directory/record.js";
import { StatusCounts } from "../../src/metrics/status-counts.js";

class FakeDirectory extends EventEmitter<DirectoryEvents> {
  walks = 0;
  statuses: NodeStatus[] = ["ok", "ok", "missing"];
  announcedRecords(): (readonly [Readonly<KeyRecord>, NodeStatus])[] {
    this.walks++;
    return this.statuses.map((status, num) => [{ num } as KeyRecord, status] as const);
  }
}

describe("status counts", () => {
  it("walk the directory once while it sits still, again after an announced change", () => {
    const directory = new FakeDirectory();
    const counts = new StatusCounts(directory);
    counts.start();
    expect(Object.fromEntries(counts.get())).toEqual({ ok: 2, missing: 1 });
    counts.get();
    expect(directory.walks).toBe(1);
    // A node heard (lastSeen only): no status can have changed, no walk.
    directory.emit("dirty");
    counts.get();
    expect(directory.walks).toBe(1);
    directory.statuses = ["ok", "changed", "missing"];
    directory.emit("nodeChanged", { id: "!00000001" } as never, {} as never);
    expect(Object.fromEntries(counts.get())).toEqual({ ok: 1, changed: 1, missing: 1 });
    expect(directory.walks).toBe(2);
    directory.emit("nodeRemoved", { id: "!00000002", num: 2 });
    directory.statuses = ["ok", "changed"];
    expect(Object.fromEntries(counts.get())).toEqual({ ok: 1, changed: 1 });
    counts.stop();
    expect(directory.listenerCount("nodeChanged") + directory.listenerCount("dirty")).toBe(0);
  });
});
