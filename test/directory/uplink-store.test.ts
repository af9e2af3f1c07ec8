// Uplink claims in a KeyDirectory over a real store: what the trust rules remember (the
// claim's origin, that it is unconfirmed, the evidence raised) survives a restart; the store
// format 6 that carries it, loading a format-5 store (test/fixtures/store/v5, written by the
// version-5 code) and refusing a newer one; and the one rule for keys that leave the bridge
// (shareable, the push policy) refusing a claim until it is confirmed.
import { readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import type { KeyEvent } from "../../src/directory/events.js";
import type { KeyDirectory } from "../../src/directory/keys.js";
import { fingerprintOf } from "../../src/directory/record.js";
import { parseStore, serializeRecords, STORE_VERSION } from "../../src/directory/store-format.js";
import { StoreVersionError } from "../../src/directory/store.js";
import { decidePush } from "../../src/sync/push-policy.js";
import { loadOnce } from "../helpers/store.js";
import { copyOldStore, nodesOf, useStoreDir } from "./store-dir.js";
import { dump, ingestDump, ingestKeySeen, key, remote } from "./util.js";

const files = useStoreDir("keysync-uplink-");
const GW = "uplink:!0badcafe" as const;
const CLAIM = 0x05;
const KNOWN = 0x06;

function eventsOf(directory: KeyDirectory): KeyEvent[] {
  const events: KeyEvent[] = [];
  directory.on("event", (e) => events.push(e));
  return events;
}

const push = (directory: KeyDirectory, num: number) =>
  decidePush("fill", { enabled: true, record: directory.get(num), shareable: directory.shareable(num, []), radio: { key: null, verified: false }, verify: false });

describe("uplink claims across a restart", () => {
  it("the claim stays held and unconfirmed, the evidence is not raised again, and the radio's confirmation is kept", async () => {
    const first = await files.open();
    const events = eventsOf(first.directory);
    ingestDump(first.directory, dump(null, [remote(KNOWN, key(6))]), "alert");
    first.directory.ingest([{ num: CLAIM, key: key(5), longName: "Far" }, { num: KNOWN, key: key(60) }], GW, "alert");
    await first.directory.lastChangeAnnounced();
    expect(events.filter((e) => e.type === "key_conflict")).toHaveLength(1);
    await first.store.stop();

    const second = await files.open();
    const again = eventsOf(second.directory);
    expect(second.directory.view(CLAIM)).toMatchObject({ has_key: true, key_source: "store", confirmed: false, status: "ok", long_name: "Far" });
    expect(second.directory.get(CLAIM)).toMatchObject({ origin: GW, confirmedKey: null });
    expect(second.directory.view(KNOWN)).toMatchObject({ key_fingerprint: fingerprintOf(key(6)), confirmed: true });
    // The same forged claim replayed after the restart: remembered, nothing raised.
    second.directory.ingest([{ num: KNOWN, key: key(60) }, { num: CLAIM, key: key(5) }], GW, "alert");
    await second.directory.lastChangeAnnounced();
    expect(again).toEqual([]);
    expect("refused" in second.directory.shareable(CLAIM, [])).toBe(true);
    // Our radio hears the node with the same key: confirmed, without an alert.
    ingestKeySeen(second.directory, { num: CLAIM, publicKey: key(5), via: "nodeinfo", longName: "Far", shortName: "F" }, "alert");
    await second.directory.lastChangeAnnounced();
    expect(again).toEqual([]);
    expect(second.directory.view(CLAIM)).toMatchObject({ key_source: "packet", confirmed: true });
    await second.store.stop();

    const third = await files.open();
    expect(third.directory.get(CLAIM)).toMatchObject({ origin: GW, confirmedOrigin: "packet" });
    expect(third.directory.view(CLAIM)?.confirmed).toBe(true);
    expect("key" in third.directory.shareable(CLAIM, [])).toBe(true);
  });

  it("the store file holds the claim as format 6: its uplink source and a null confirmed key", async () => {
    const { directory, store } = await files.open({ compactMinBytes: 0 });
    directory.ingest([{ num: CLAIM, key: key(5) }], GW, "alert");
    await directory.lastChangeAnnounced();
    await store.flush();
    await store.stop();
    const doc = JSON.parse(await readFile(files.path, "utf8")) as { version: number; nodes: Record<string, unknown>[] };
    expect(doc.version).toBe(6);
    expect(STORE_VERSION).toBe(6);
    expect(doc.nodes[0]).toMatchObject({ num: CLAIM, source: GW, confirmed_key: null, confirmed_source: null });
  });
});

describe("keys that leave the bridge: a claim is refused until confirmed", () => {
  it("shareable and the push policy refuse an unconfirmed claim, and accept it after accept_key", async () => {
    const { directory } = await files.open();
    directory.ingest([{ num: CLAIM, key: key(5) }], GW, "alert");
    const refused = directory.shareable(CLAIM, ["*"]);
    expect(refused).toEqual({ refused: `the key of !00000005 is an unconfirmed claim from ${GW}: accept_key confirms it` });
    expect(push(directory, CLAIM)).toEqual(refused);
    expect(directory.acceptKey(CLAIM)).toMatchObject({ confirmed: true, key_source: GW });
    expect(directory.shareable(CLAIM, [])).toMatchObject({ fingerprint: fingerprintOf(key(5)) });
    expect(push(directory, CLAIM)).toMatchObject({ fingerprint: fingerprintOf(key(5)), send: { num: CLAIM } });
  });

  it("and after our radio's dump reports the same key", async () => {
    const { directory } = await files.open();
    directory.ingest([{ num: CLAIM, key: key(5) }], GW, "alert");
    expect("refused" in push(directory, CLAIM)).toBe(true);
    ingestDump(directory, dump(null, [remote(CLAIM, null), remote(7, key(7))]), "alert");
    expect("refused" in push(directory, CLAIM)).toBe(true);
    ingestDump(directory, dump(null, [remote(CLAIM, key(5))]), "alert");
    expect(directory.shareable(CLAIM, [])).toMatchObject({ fingerprint: fingerprintOf(key(5)) });
  });
});

describe("store format 6", () => {
  it("a store written by the version-5 code loads as that code loaded it, and is rewritten once as version 6", async () => {
    const expected = copyOldStore(files, 5);
    expect(JSON.parse(await readFile(files.path, "utf8"))).toMatchObject({ version: 5 });
    const { store, directory, settings } = await files.open();
    const written = new Promise<void>((resolve) => store.once("written", () => resolve()));
    expect(nodesOf(directory.snapshot())).toEqual(expected);
    expect(settings).toEqual({ interval: { value: 900, at: 1_700_000_000 } });
    await written;
    expect(JSON.parse(await readFile(files.path, "utf8"))).toMatchObject({ version: 6 });
    expect(directory.view(51)).toMatchObject({ status: "changed", confirmed: true });
  });

  it("a file of version 7 is refused and left untouched", async () => {
    const future = JSON.stringify({ format: "meshtastic-keysync/keys", version: 7, nodes: [] });
    await writeFile(files.path, future);
    await expect(loadOnce(files.path)).rejects.toBeInstanceOf(StoreVersionError);
    expect(await readFile(files.path, "utf8")).toBe(future);
  });

  it("a held key without a confirmed one is corrupt unless it is an uplink claim", () => {
    const text = serializeRecords([], 0).replace('"nodes": []', JSON.stringify({ nodes: [{ num: 1, id: "!00000001", long_name: "", short_name: "", key: Buffer.from(key(1)).toString("base64"), source: "nodedb", first_seen: 1, last_seen: 0, key_changed_at: null, verified: false, ignored: false, changed: false, pending_key: null, pending_source: null, in_radio: false, confirmed_key: null }] }).slice(1, -1));
    expect(() => parseStore(text, "keys.json")).toThrow(/confirmed_key must be set/);
    expect(parseStore(text.replace('"source":"nodedb"', `"source":"${GW}"`), "keys.json")[0]).toMatchObject({ origin: GW, confirmedKey: null });
  });
});
