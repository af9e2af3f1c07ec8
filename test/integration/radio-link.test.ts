// The radio link against the simulated radio and the real 2.7.26 capture, over loopback.
import { afterEach, describe, expect, it } from "vitest";
import { MeshtasticRadio, type MeshtasticRadioOptions } from "../../src/radio/meshtastic.js";
import type { KeySeen, NodeDbDump, NodeSeen, RadioStatus } from "../../src/radio/link.js";
import { SimRadio } from "../../src/sim/index.js";
import type { SimRadioOptions } from "../../src/sim/index.js";
import { nextEvent } from "../helpers/events.js";
import { startReplayServer, type ReplayServer } from "../helpers/replay-server.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startSim(options: SimRadioOptions = {}): Promise<SimRadio> {
  const sim = new SimRadio({ port: 0, ...options });
  await sim.start();
  cleanups.push(() => sim.stop());
  return sim;
}

function radioFor(port: number, options: Partial<MeshtasticRadioOptions> = {}): MeshtasticRadio {
  const radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 20, backoffMaxMs: 200, ...options });
  cleanups.push(() => radio.stop());
  return radio;
}

async function connected(radio: MeshtasticRadio): Promise<NodeDbDump> {
  const dump = nextEvent<NodeDbDump>(radio, "dump", (d) => d.kind === "handshake");
  radio.start();
  return dump;
}

const hex = (key: Uint8Array | null): string | null => (key ? Buffer.from(key).toString("hex") : null);

describe("radio link", () => {
  it("reads a 10,000-node NodeDB whole, keys holding 0x94 0xC3 included", async () => {
    const sim = await startSim({ nodes: 10_000 });
    const radio = radioFor(sim.address.port);
    const handshake = await connected(radio);
    expect(handshake.nodes).toHaveLength(10_000);
    const refresh = await radio.requestNodeDb();
    expect(refresh.kind).toBe("refresh");
    const expected = new Map([...sim.nodes.values()].map((n) => [n.num, hex(n.publicKey)]));
    expect(new Map(refresh.nodes.map((n) => [n.num, hex(n.publicKey)]))).toEqual(expected);
    const withMagic = [...expected.values()].filter((k) => k?.includes("94c3"));
    expect(withMagic.length).toBeGreaterThan(0);
    expect(refresh.own?.num).toBe(sim.ownNode.num);
  });

  it("refreshes on the same connection: every node, zero force-closes, heartbeats with nonce 0", async () => {
    const sim = await startSim({ nodes: 300 });
    // The first heartbeat after 100 ms; a generous answer window, so a busy machine is no dead radio.
    const radio = radioFor(sim.address.port, { heartbeatIntervalMs: 5_100, heartbeatTimeoutMs: 5_000 });
    await connected(radio);
    for (let i = 0; i < 10; i++) {
      const dump = await radio.requestNodeDb();
      expect(dump.nodes).toHaveLength(300);
    }
    await nextEvent(sim, "heartbeat");
    expect(sim.stats.connections).toBe(1);
    expect(sim.stats.forceCloses).toBe(0);
    expect(sim.stats.dumps.nodesOnly).toBe(10);
    expect(sim.stats.heartbeatNonces.length).toBeGreaterThan(0);
    expect(sim.stats.heartbeatNonces.every((n) => n === 0)).toBe(true);
  });

  it("a second connection to a single-client radio force-closes the first (why strategy inband)", async () => {
    const sim = await startSim({ nodes: 5 });
    const first = radioFor(sim.address.port, { backoffMinMs: 60_000 });
    await connected(first);
    const dropped = nextEvent<RadioStatus>(first, "status", (s) => s.state === "disconnected");
    const second = radioFor(sim.address.port);
    await connected(second);
    await dropped;
    expect(sim.stats.forceCloses).toBe(1);
  });

  it("a multi-client proxy keeps both connections", async () => {
    const sim = await startSim({ nodes: 5, multiClient: true });
    const first = radioFor(sim.address.port);
    await connected(first);
    await connected(radioFor(sim.address.port));
    expect(first.status.state).toBe("connected");
    expect(sim.stats.forceCloses).toBe(0);
  });

  it("reconnects after the radio drops it, with a new handshake", async () => {
    const sim = await startSim({ nodes: 5 });
    const radio = radioFor(sim.address.port);
    await connected(radio);
    const again = nextEvent<NodeDbDump>(radio, "dump", (d) => d.kind === "handshake");
    sim.dropClient();
    expect((await again).nodes).toHaveLength(5);
    expect(sim.stats.connections).toBe(2);
    expect(radio.status.state).toBe("connected");
  });

  it("survives garbage bytes and an oversized length", async () => {
    const sim = await startSim({ nodes: 20 });
    const radio = radioFor(sim.address.port);
    await connected(radio);
    sim.writeGarbage("boot noise \r\n");
    sim.writeGarbage(Uint8Array.from([0x94, 0xc3, 0x7f, 0xff, 1, 2, 3]));
    sim.writeGarbage(Uint8Array.from([0x94, 0xc3, 0x00, 0x03, 0xff, 0xff, 0xff]));
    const dump = await radio.requestNodeDb();
    expect(dump.nodes).toHaveLength(20);
    expect(radio.status.state).toBe("connected");
  });

  it("notices a radio that hangs with the socket open, by the unanswered heartbeat", async () => {
    const sim = await startSim({ nodes: 5 });
    const radio = radioFor(sim.address.port, { heartbeatIntervalMs: 100, heartbeatTimeoutMs: 300, backoffMinMs: 60_000 });
    await connected(radio);
    sim.hang();
    const status = await nextEvent<RadioStatus>(radio, "status", (s) => s.state === "disconnected");
    expect(status).toMatchObject({ reason: expect.stringMatching(/heartbeat/) as unknown });
  });

  it("a refresh that loses its connection fails and reports nothing", async () => {
    const sim = await startSim({ nodes: 2_000 });
    const radio = radioFor(sim.address.port, { backoffMinMs: 60_000 });
    await connected(radio);
    const dumps: NodeDbDump[] = [];
    radio.on("dump", (d) => dumps.push(d));
    sim.once("dumpStart", () => sim.dropClient());
    await expect(radio.requestNodeDb()).rejects.toThrow(/connection lost/);
    expect(dumps).toHaveLength(0);
  });

  it("reports keys from NodeInfo packets and PKI DMs, and encrypted packets", async () => {
    const sim = await startSim({ nodes: 10 });
    const radio = radioFor(sim.address.port);
    await connected(radio);
    const [withKey] = [...sim.nodes.values()].filter((n) => n.publicKey);
    const nodeinfo = nextEvent<KeySeen>(radio, "keySeen", (k) => k.via === "nodeinfo");
    sim.deliverNodeInfo(withKey!.num);
    expect(hex((await nodeinfo).publicKey)).toBe(hex(withKey!.publicKey));
    const pki = nextEvent<KeySeen>(radio, "keySeen", (k) => k.via === "pki");
    sim.deliverPkiDm(withKey!.num, "hello");
    expect((await pki).num).toBe(withKey!.num);
    const [fresh] = sim.addNodesSilently(1);
    const encrypted = nextEvent<NodeSeen>(radio, "nodeSeen", (s) => s.encrypted);
    sim.deliverEncrypted(fresh!.num);
    expect(await encrypted).toEqual({ num: fresh!.num, replayed: false, encrypted: true });
  });

  it("marks the 2.8 replay burst after a refresh as replayed", async () => {
    const sim = await startSim({ nodes: 30, replayAfterComplete: true, now: () => Date.now() - 3_600_000 });
    const radio = radioFor(sim.address.port);
    await connected(radio);
    const seen: NodeSeen[] = [];
    radio.on("nodeSeen", (s) => seen.push(s));
    const replay = nextEvent<NodeSeen>(radio, "nodeSeen");
    await radio.requestNodeDb();
    await replay;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.replayed)).toBe(true);
  });

  it("sends a PKI DM and reports the radio's routing result", async () => {
    const sim = await startSim({ nodes: 10 });
    const radio = radioFor(sim.address.port);
    await connected(radio);
    const nodes = [...sim.nodes.values()];
    const keyed = nodes.find((n) => n.publicKey)!;
    const keyless = nodes.find((n) => !n.publicKey)!;
    const ack = await radio.sendText(keyed.num, "hi", 10_000);
    expect(ack.ok).toBe(true);
    expect(await radio.sendText(keyless.num, "hi", 10_000)).toMatchObject({ ok: false, error: "PKI_SEND_FAIL_PUBLIC_KEY", code: 39 });
    sim.markLacksOurKey(keyed.num);
    const routing = nextEvent(radio, "routingError");
    expect(await radio.sendText(keyed.num, "hi", 10_000)).toMatchObject({ ok: false, error: "PKI_UNKNOWN_PUBKEY" });
    expect(await routing).toMatchObject({ to: keyed.num, error: "PKI_UNKNOWN_PUBKEY", code: 35 });
    const sent = sim.stats.packetsFromClient;
    expect(sent).toBe(3);
  });
});

describe("the real 2.7.26 capture", () => {
  let server: ReplayServer | null = null;
  afterEach(async () => {
    await server?.stop();
    server = null;
  });

  it("completes a handshake, and the radio's private key appears nowhere in what the link reports", async () => {
    server = await startReplayServer();
    const radio = radioFor(server.port);
    const reported: unknown[] = [];
    for (const event of ["dump", "status", "keySeen", "nodeSeen", "routingError"] as const) {
      radio.on(event, (value: unknown) => reported.push(value));
    }
    const dump = await connected(radio);
    expect(radio.info).toMatchObject({ myNodeNum: 0xf66afa64, firmware: "2.7.26.54e0d8d" });
    expect(hex(dump.own?.publicKey ?? null)).toBe("3e2a07a26ac4ad0e29bb1c34fa02f98926f24a255fb72b7d6d7d9bdc9012e538");
    const text = JSON.stringify([reported, radio.info], (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("hex") : v));
    expect(text).toContain("3e2a07a26ac4ad0e29bb1c34fa02f98926f24a255fb72b7d6d7d9bdc9012e538");
    expect(text).not.toContain("b0609f8f35ee22e7de8217d555e1e256595b080e1b0a6864536ea7397bcc735f");
  });
});

describe("lifecycle", () => {
  it("20 connect/refresh/close cycles leave no timer or socket: the process exits by itself", async () => {
    const { spawn } = await import("node:child_process");
    const sim = await startSim({ nodes: 50 });
    const args = ["test/fixtures/cycles-child.mjs", String(sim.address.port), "50"];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    let printedAt = 0;
    child.stdout.once("data", () => (printedAt = Date.now()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const ceiling = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`child still running after 45 s: ${out}`));
      }, 45_000);
      child.on("exit", (c) => {
        clearTimeout(ceiling);
        resolve(c);
      });
    });
    expect(code).toBe(0);
    const report = JSON.parse(out) as { done: boolean; resources: string[] };
    expect(report.done).toBe(true);
    expect(report.resources.filter((r) => r !== "TTYWrap" && r !== "PipeWrap")).toEqual([]);
    expect(sim.stats.connections).toBe(20);
    // A leaked timer (MeshDevice keeps one for 60 s) would hold the process long after this.
    expect(Date.now() - printedAt).toBeLessThan(10_000);
  });
});
