// The handshake cache's rules: frames sorted into head, nodes and tail in the radio's order;
// a nodes-only re-read replaces the nodes and the own node, a config-only one the rest; a
// re-read listing no other node keeps the nodes known.
import { describe, expect, it } from "vitest";
import { FrameRecorder, nextCache, type FramePart, type RadioFrame } from "../../src/radio/handshake-cache.js";
import { decodeFromRadio, encodeFromRadio, type FromRadioInit } from "../../src/protocol/messages.js";

function frame(init: FromRadioInit): RadioFrame {
  const bytes = encodeFromRadio(init);
  return { message: decodeFromRadio(bytes), bytes };
}

const myInfo = (num: number) => frame({ payloadVariant: { case: "myInfo", value: { myNodeNum: num } } });
const node = (num: number, longName = "") => frame({ payloadVariant: { case: "nodeInfo", value: { num, user: { longName } } } });
const channel = (index: number) => frame({ payloadVariant: { case: "channel", value: { index } } });
const file = (fileName: string) => frame({ payloadVariant: { case: "fileInfo", value: { fileName } } });

function record(frames: [RadioFrame, FramePart][]): FrameRecorder {
  const recorder = new FrameRecorder();
  for (const [f, part] of frames) recorder.add(f, part);
  return recorder;
}

const names = (frames: readonly RadioFrame[]) =>
  frames.map((f) => {
    const v = f.message.payloadVariant;
    if (v.case === "nodeInfo") return `node ${v.value.num}${v.value.user?.longName ? ` ${v.value.user.longName}` : ""}`;
    if (v.case === "channel") return `channel ${v.value.index}`;
    if (v.case === "fileInfo") return `file ${v.value.fileName}`;
    return v.case ?? "none";
  });

const full = () =>
  record([
    [myInfo(1), "other"],
    [node(1), "own"],
    [channel(0), "other"],
    [node(2), "node"],
    [node(3), "node"],
    [file("/prefs/a"), "other"],
  ]);

describe("handshake cache", () => {
  it("keeps a full handshake in the radio's order: head with the own node, nodes, tail from the file manifest", () => {
    const cache = nextCache(null, full(), "full", 1);
    expect(names(cache?.head ?? [])).toEqual(["myInfo", "node 1", "channel 0"]);
    expect(names(cache?.nodes ?? [])).toEqual(["node 2", "node 3"]);
    expect(names(cache?.tail ?? [])).toEqual(["file /prefs/a"]);
    expect(cache?.version).toBe(1);
  });

  it("puts the file manifest in the tail even when the radio knows no other node", () => {
    const cache = nextCache(null, record([[myInfo(1), "other"], [node(1), "own"], [file("/prefs/a"), "other"]]), "full", 1);
    expect(names(cache?.head ?? [])).toEqual(["myInfo", "node 1"]);
    expect(names(cache?.tail ?? [])).toEqual(["file /prefs/a"]);
  });

  it("replaces the own node in place and the nodes on a nodes-only re-read", () => {
    const first = nextCache(null, full(), "full", 1);
    const refresh = record([[node(1, "renamed"), "own"], [node(4), "node"]]);
    const cache = nextCache(first, refresh, "nodes", 1);
    expect(names(cache?.head ?? [])).toEqual(["myInfo", "node 1 renamed", "channel 0"]);
    expect(names(cache?.nodes ?? [])).toEqual(["node 4"]);
    expect(cache?.tail).toBe(first?.tail);
    expect(cache?.version).toBe(2);
  });

  it("keeps the nodes when a re-read lists none (nothing learned, not every node gone)", () => {
    const first = nextCache(null, full(), "full", 1);
    const cache = nextCache(first, record([[node(1), "own"]]), "nodes", 1);
    expect(names(cache?.nodes ?? [])).toEqual(["node 2", "node 3"]);
  });

  it("replaces the configuration and keeps the nodes on a config-only re-read", () => {
    const first = nextCache(null, full(), "full", 1);
    const config = record([[myInfo(1), "other"], [node(1), "own"], [channel(5), "other"], [file("/prefs/b"), "other"]]);
    const cache = nextCache(first, config, "config", 1);
    expect(names(cache?.head ?? [])).toEqual(["myInfo", "node 1", "channel 5"]);
    expect(names(cache?.nodes ?? [])).toEqual(["node 2", "node 3"]);
    expect(names(cache?.tail ?? [])).toEqual(["file /prefs/b"]);
  });

  it("has nothing to refresh before a first handshake", () => {
    expect(nextCache(null, record([[node(1), "own"]]), "nodes", 1)).toBeNull();
  });
});
