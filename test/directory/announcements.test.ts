// Durable before announced, at the directory: with a journal attached, a commit's
// announcements wait for its own durability and for every earlier commit's, and meanwhile
// the read side (view, list) shows what was announced, not the newer state.
import { describe, expect, it } from "vitest";
import { KeyDirectory, type ChangeJournal } from "../../src/directory/keys.js";
import { fingerprintOf } from "../../src/directory/record.js";
import { flush } from "../helpers/clock.js";
import { dump, ingestDump, key, remote } from "./util.js";

/** A journal whose batches become durable when the test says so. */
class HeldJournal implements ChangeJournal {
  readonly batches: { nums: number[]; urgent: boolean; release: () => void }[] = [];
  persist(nums: Iterable<number>, urgent: boolean): Promise<void> {
    return new Promise((resolve) => this.batches.push({ nums: [...nums], urgent, release: resolve }));
  }
}

function setup(): { directory: KeyDirectory; journal: HeldJournal; said: string[] } {
  const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
  const journal = new HeldJournal();
  directory.useJournal(journal);
  const said: string[] = [];
  directory.on("nodeChanged", (view) => said.push(`${view.id} ${view.key_fingerprint}`));
  directory.on("event", (event) => said.push(event.type));
  return { directory, journal, said };
}

describe("announcements wait for the journal", () => {
  it("in commit order, even when a later batch is durable first; the read side shows the announced state", async () => {
    const { directory, journal, said } = setup();
    ingestDump(directory, dump(null, [remote(1, key(1))]), "alert");
    ingestDump(directory, dump(null, [remote(1, key(2))]), "alert"); // the key changes
    expect(journal.batches.map((b) => [b.nums, b.urgent])).toEqual([[[1], true], [[1], true]]);
    expect(directory.get(1)?.key).toEqual(key(2)); // the rules see the newest state
    expect(directory.view(1)).toBeUndefined(); // nothing announced yet
    expect(directory.list()).toEqual([]);

    journal.batches[1]?.release();
    await flush();
    expect(said).toEqual([]); // the first is not durable yet
    journal.batches[0]?.release();
    await directory.lastChangeAnnounced();
    expect(said).toEqual([`!00000001 ${fingerprintOf(key(1))}`, "key_added", `!00000001 ${fingerprintOf(key(2))}`, "key_changed"]);
    expect(directory.view(1)?.key_fingerprint).toBe(fingerprintOf(key(2)));
  });

  it("while a change waits, view and list keep the last announced one; forget waits too", async () => {
    const { directory, journal, said } = setup();
    ingestDump(directory, dump(null, [remote(1, key(1)), remote(2, key(2))]), "alert");
    journal.batches[0]?.release();
    await directory.lastChangeAnnounced();
    said.length = 0;
    ingestDump(directory, dump(null, [remote(1, key(11))]), "alert");
    const removed: string[] = [];
    directory.on("nodeRemoved", ({ id }) => removed.push(id));
    expect(directory.forget(2)).toBe(true);
    expect(directory.view(1)?.key_fingerprint).toBe(fingerprintOf(key(1)));
    expect(directory.list().map((v) => v.id)).toEqual(["!00000001", "!00000002"]);
    expect(directory.lastChangePending()).toBe(true);
    for (const batch of journal.batches) batch.release();
    await directory.lastChangeAnnounced();
    expect(removed).toEqual(["!00000002"]);
    expect(directory.list().map((v) => [v.id, v.key_fingerprint])).toEqual([["!00000001", fingerprintOf(key(11))]]);
    expect(directory.lastChangePending()).toBe(false);
  });

  it("a change nothing announces (lastSeen) is handed over as not urgent and waits for nothing", () => {
    const { directory, journal, said } = setup();
    ingestDump(directory, dump(null, [remote(1, key(1), { lastHeard: 10 })]), "alert");
    ingestDump(directory, dump(null, [remote(1, key(1), { lastHeard: 20 })]), "alert");
    expect(journal.batches.map((b) => b.urgent)).toEqual([true, false]);
    expect(directory.lastChangePending()).toBe(false); // the last change itself announces nothing
    expect(said).toEqual([]);
  });
});
