// A handshake larger than the "stopped reading" limit (4 MiB): at 40,000 nodes (reachable with
// directory_nodes) it is streamed as the client reads, so clients that read normally get all
// of it; what a client fails to read (a second handshake it asked and does not read) still counts.
import { describe, expect, it } from "vitest";
import { wantConfig } from "../../../src/protocol/messages.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";

const NODES = 40_000;

describe("a 40,000-node handshake through the API server", () => {
  it("reaches two clients that read normally, whole, under the default 4 MiB limit; one that asks another before reading it is dropped", { timeout: 120_000 }, async () => {
    const rig = await startApiRig({ sim: { nodes: NODES } });
    const [a, b, stuck] = [await rig.raw(), await rig.raw(), await rig.raw()];
    for (const [i, c] of [a, b, stuck].entries()) c.send(wantConfig(0x5000 + i));
    const [doneA, doneB, doneStuck] = await Promise.all([a.waitComplete(0x5000), b.waitComplete(0x5001), stuck.waitComplete(0x5002)]);
    let bytes = 0;
    a.socket.on("data", (chunk: Buffer) => (bytes += chunk.length));
    const nodeInfos = (frames: typeof a.frames, end: number) => frames.slice(0, end).filter((f) => f.payloadVariant.case === "nodeInfo").length;
    // The radio's own node and every other one.
    expect(nodeInfos(a.frames, doneA)).toBe(NODES + 1);
    expect(nodeInfos(b.frames, doneB)).toBe(NODES + 1);
    expect(nodeInfos(stuck.frames, doneStuck)).toBe(NODES + 1);
    expect(rig.log.find("info", "stopped reading")).toEqual([]);
    // The handshake alone is beyond the limit: it was never counted against it.
    const again = a.waitComplete(0x5010, doneA + 1);
    a.send(wantConfig(0x5010));
    await again;
    expect(bytes).toBeGreaterThan(4 * 1024 * 1024);
    // What a client fails to read still counts: a second handshake asked before the first was read.
    stuck.socket.pause();
    const dropped = nextEvent(rig.server, "clients", (list: unknown[]) => list.length === 2);
    stuck.send(wantConfig(0x5020));
    stuck.send(wantConfig(0x5021));
    await dropped;
    expect(rig.log.find("info", "left: stopped reading")).toHaveLength(1);
    expect(a.closed || b.closed).toBe(false);
  });
});
