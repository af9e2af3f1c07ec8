// An uplink key must survive a restart like any other: the store keeps `uplink:<gateway>` as
// the node's source (store format 6), and the claim stays unconfirmed.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { KeyStore } from "../../src/directory/store.js";
import { systemClock } from "../../src/timing/clock.js";
import { loadOnce } from "../helpers/store.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe("uplink keys across a restart", () => {
  it("are read back with their uplink:<gateway> source", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "keysync-uplink-"));
    dirs.push(dir);
    const file = path.join(dir, "keys.json");
    const store = new KeyStore({ path: file, clock: systemClock });
    const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
    directory.load((await store.load()).records);
    directory.useJournal(store);
    store.start(directory);
    directory.ingest([{ num: 0x7e000001, key: new Uint8Array(32).fill(3), longName: "Far" }], "uplink:!0000abcd", "alert");
    await directory.lastChangeAnnounced();
    await store.stop();

    const loaded = await loadOnce(file);
    expect(loaded.warning).toBeNull();
    expect(loaded.records.map((r) => [r.num, r.origin, r.confirmedKey])).toEqual([[0x7e000001, "uplink:!0000abcd", null]]);
  });
});
