// The API server serves a directory-only node's key only when it is confirmed: an unconfirmed
// uplink claim goes out without a key, the same node after accept_key with it.
import { describe, expect, it } from "vitest";
import { servedNode, type DirectoryKeys, type RadioNodes } from "../../src/api-server/nodes.js";
import { KeyDirectory } from "../../src/directory/keys.js";
import { decodeFromRadio } from "../../src/protocol/messages.js";
import { key } from "../directory/util.js";

const NUM = 0x05;
const noRadio: RadioNodes = { frames: new Map(), keyed: new Set() };

function servedKey(directory: KeyDirectory): Uint8Array | undefined {
  const keys: DirectoryKeys = { shareable: (num) => directory.shareable(num, ["*"]), get: (num) => directory.get(num), records: () => directory.snapshot() };
  const served = servedNode(NUM, noRadio, keys, true, 0x99);
  const variant = decodeFromRadio(served!.payload).payloadVariant;
  if (variant.case !== "nodeInfo") throw new Error("not a node_info");
  const publicKey = variant.value.user?.publicKey;
  return publicKey && publicKey.length > 0 ? publicKey : undefined;
}

describe("directory-only nodes served to API clients", () => {
  it("an unconfirmed uplink claim is served without its key; after accept_key with it", () => {
    const directory = new KeyDirectory({ now: () => 1_800_000_000, weakHashes: new Set() });
    directory.ingest([{ num: NUM, key: key(5), longName: "Far" }], "uplink:!0badcafe", "alert");
    expect(servedKey(directory)).toBeUndefined();
    directory.acceptKey(NUM);
    expect(Buffer.from(servedKey(directory) ?? []).equals(Buffer.from(key(5)))).toBe(true);
  });
});
