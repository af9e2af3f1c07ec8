// The radio link over a real pseudo-terminal pair with the real serialport code path: the
// handshake and re-reads, console text (a lone 0x94 included), torn frames and `rebooted`.
import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeDbDump, RadioStatus } from "../../src/radio/link.js";
import type { MeshtasticRadio } from "../../src/radio/meshtastic.js";
import { bootText } from "../../src/sim/serial-console.js";
import { nextEvent } from "../helpers/events.js";
import { serialRig, type SerialRig } from "../helpers/serial-rig.js";

let rig: SerialRig | null = null;
afterEach(async () => {
  await rig?.stop();
  rig = null;
});

const CEILING = 30_000;
const hex = (key: Uint8Array | null): string | null => (key ? Buffer.from(key).toString("hex") : null);

function connected(radio: MeshtasticRadio): Promise<NodeDbDump> {
  const dump = nextEvent<NodeDbDump>(radio, "dump", (d) => d.kind === "handshake", CEILING);
  radio.start();
  return dump;
}

/** Keys whose bytes hold the frame magic, one of them a whole fake header. */
function magicKeys(): Uint8Array[] {
  const base = (n: number) => Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + n * 11 + 5) & 0xff);
  const put = (key: Uint8Array, at: number, bytes: number[]) => (key.set(bytes, at), key);
  return [put(base(1), 0, [0x94, 0xc3, 0x00, 0x05]), put(base(2), 14, [0x94, 0xc3]), put(base(3), 30, [0x94, 0xc3]), put(base(4), 31, [0x94])];
}

const stty = (path: string, ...args: string[]): string => {
  const result = spawnSync("stty", ["-F", path, ...args], { encoding: "utf8" });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
};

describe("serial link", () => {
  it("handshake and nodes-only re-read at 250 nodes and 115200 baud: keys holding 0x94 0xC3 intact, wake bytes first, HUPCL off", async () => {
    rig = await serialRig({ sim: { nodes: 250 }, line: { consoleEveryMs: 250 } });
    const nums = [...rig.sim.nodes.keys()].slice(3, 7);
    magicKeys().forEach((key, i) => rig!.sim.setKey(nums[i]!, key));
    stty(rig.pair.bridge, "hupcl");
    const handshake = await connected(rig.radio);
    expect(handshake.nodes).toHaveLength(250);
    const refresh = await rig.radio.requestNodeDb();
    expect(refresh.kind).toBe("refresh");
    const expected = new Map([...rig.sim.nodes.values()].map((n) => [n.num, hex(n.publicKey)]));
    expect(new Map(refresh.nodes.map((n) => [n.num, hex(n.publicKey)]))).toEqual(expected);
    expect(nums.map((num) => expected.get(num))).toEqual(magicKeys().map(hex));
    // 32 wake bytes of 0xC3 came before the first frame (want_config).
    expect(rig.line.inboundHead.subarray(0, 34)).toEqual(Buffer.concat([Buffer.alloc(32, 0xc3), Buffer.from([0x94, 0xc3])]));
    expect(stty(rig.pair.bridge, "-a")).toMatch(/(^|\s)-hupcl(\s|$)/);
    expect(rig.sim.stats.dumps).toMatchObject({ full: 1, nodesOnly: 1 });
    expect(rig.radio.linkStats.consoleLines).toBeGreaterThan(0);
  });

  it("boot and debug text with a lone 0x94 (and a header faked by text) is logged as console lines and stalls nothing", async () => {
    rig = await serialRig({ sim: { nodes: 40 } });
    await connected(rig.radio);
    rig.line.print(bootText());
    rig.line.print("DEBUG | 12:00:07 9 [Router] queue full \u2014"); // ends in 0x94: the dump's frames follow at once
    const refresh = rig.radio.requestNodeDb();
    expect((await refresh).nodes).toHaveLength(40);
    // 0x94 0xC3 and a length under 512, then text: the reader takes it for a header that
    // swallows the next frames (the own node and a few others), and must find them again.
    rig.line.print(Uint8Array.from([0x94, 0xc3, 0x01, 0xf0, ...Buffer.from(" garbled\r\n")]));
    expect((await rig.radio.requestNodeDb()).nodes).toHaveLength(40);
    // The same faked header with nothing after it: after a silence it is re-read as text
    // (shown as its size: it holds bytes that are not text), and text flows again.
    rig.line.print(Uint8Array.from([0x94, 0xc3, 0x01, 0xf0, ...Buffer.from(" then silence\r\n")]));
    await rig.logged((l) => l.obj.console === "[18 bytes that are not text]");
    rig.line.print("INFO  | 12:00:09 11 [Router] after the silence\r\n");
    await rig.logged((l) => l.obj.console === "INFO  | 12:00:09 11 [Router] after the silence");
    const lines = rig.logs.filter((l) => l.msg === "radio console").map((l) => String(l.obj.console));
    expect(lines).toContain("DEBUG | ??:??:?? 0 Power up \u2014 reset reason: power on");
    expect(lines.some((l) => l.startsWith("DEBUG | 12:00:07 9 [Router] queue full \u2014"))).toBe(true);
    expect(rig.logs.filter((l) => l.level === "warn" || l.level === "error")).toEqual([]);
    expect(rig.radio.status.state).toBe("connected");
  });

  it("a torn config_complete_id fails that sync alone; the next one works", async () => {
    rig = await serialRig({ sim: { nodes: 30 }, radio: { dumpIdleTimeoutMs: 1_500 } });
    await connected(rig.radio);
    rig.line.tearNext((m) => m.payloadVariant.case === "configCompleteId");
    await expect(rig.radio.requestNodeDb()).rejects.toThrow(/stalled: nothing for 1\.5 s before config_complete_id \(a frame torn by the radio's console text\?\)/);
    expect(rig.line.stats.torn).toBe(1);
    expect(rig.radio.status.state).toBe("connected");
    expect((await rig.radio.requestNodeDb()).nodes).toHaveLength(30);
  });

  it("a frame torn in the middle of a dump loses that node alone", async () => {
    rig = await serialRig({ sim: { nodes: 30 } });
    await connected(rig.radio);
    rig.line.tearNext((m) => m.payloadVariant.case === "nodeInfo" && m.payloadVariant.value.num === [...rig!.sim.nodes.keys()][10]);
    const dump = await rig.radio.requestNodeDb();
    expect(dump.nodes.map((n) => n.num)).toEqual([...rig.sim.nodes.keys()].filter((_, i) => i !== 10));
  });

  it("`rebooted` after a restart: a new handshake on the same line", async () => {
    rig = await serialRig({ sim: { nodes: 25 } });
    await connected(rig.radio);
    const restarting = nextEvent<RadioStatus>(rig.radio, "status", (s) => s.state === "connecting", CEILING);
    const again = nextEvent<NodeDbDump>(rig.radio, "dump", (d) => d.kind === "handshake", CEILING);
    rig.sim.restart();
    expect(await restarting).toEqual({ state: "connecting", reason: "the radio restarted" });
    expect((await again).nodes).toHaveLength(25);
    expect(rig.radio.status.state).toBe("connected");
    expect(rig.sim.stats.dumps.full).toBe(2);
    expect(rig.sim.stats.connections).toBe(1);
  });
});
