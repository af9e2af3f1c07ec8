// Shared setup of the simulator tests: a radio on a free loopback port, clients that are
// closed after each test, and small accessors for the frames they receive.
import { afterEach } from "vitest";
import { PortNum, decodeRouting, wantConfig, type FromRadio, type MeshPacket } from "../../src/protocol/messages.js";
import { SimRadio, type SimNode, type SimRadioOptions } from "../../src/sim/index.js";
import { TestClient } from "./client.js";

export interface Harness {
  start(options?: SimRadioOptions): Promise<{ radio: SimRadio; port: number }>;
  client(port: number): Promise<TestClient>;
  /** A radio (20 nodes unless told) and a client that has completed want_config 1. */
  configured(options?: SimRadioOptions): Promise<{ radio: SimRadio; c: TestClient }>;
}

/** Call at the top level of a test file: registers the cleanup. */
export function simHarness(): Harness {
  let radio: SimRadio | undefined;
  let clients: TestClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await radio?.stop();
    radio = undefined;
  });
  const harness: Harness = {
    async start(options = {}) {
      radio = new SimRadio({ port: 0, nodes: 20, ...options });
      const { port } = await radio.start();
      return { radio, port };
    },
    async client(port) {
      const c = await TestClient.connect(port);
      clients.push(c);
      return c;
    },
    async configured(options = {}) {
      const { radio, port } = await harness.start(options);
      const c = await harness.client(port);
      c.send(wantConfig(1));
      await c.waitComplete(1);
      return { radio, c };
    },
  };
  return harness;
}

export const packetOf = (f: FromRadio | undefined): MeshPacket | null => (f?.payloadVariant.case === "packet" ? f.payloadVariant.value : null);
export const portOf = (p: MeshPacket | null): number | null => (p?.payloadVariant.case === "decoded" ? p.payloadVariant.value.portnum : null);
export const payloadOf = (p: MeshPacket | null): Uint8Array => (p?.payloadVariant.case === "decoded" ? p.payloadVariant.value.payload : new Uint8Array(0));
export const isPacketId = (id: number) => (f: FromRadio) => packetOf(f)?.id === id;
/** Sends `payload`, waits for the routing packet answering packet `id`; returns [error, from]. */
export async function routingAnswer(c: TestClient, payload: Uint8Array, id: number): Promise<[number, number]> {
  const from = c.frames.length;
  c.send(payload);
  const answers = (f: FromRadio): boolean => {
    const p = packetOf(f);
    return portOf(p) === PortNum.ROUTING_APP && p?.payloadVariant.case === "decoded" && p.payloadVariant.value.requestId === id;
  };
  const packet = packetOf(c.frames[await c.waitFor(answers, from)]);
  const routing = decodeRouting(payloadOf(packet));
  return [routing.variant.case === "errorReason" ? routing.variant.value : -1, packet?.from ?? -1];
}

export const isQueueStatus = (f: FromRadio): boolean => f.payloadVariant.case === "queueStatus";
/** The queueStatus answering the client's packet `id`. */
export const isQueuedFor = (id: number) => (f: FromRadio): boolean => f.payloadVariant.case === "queueStatus" && f.payloadVariant.value.meshPacketId === id;
/** Sends `payload` and waits for the radio's queueStatus for packet `id`; returns that frame's index. */
export async function queued(c: TestClient, payload: Uint8Array, id: number): Promise<number> {
  const from = c.frames.length;
  c.send(payload);
  return c.waitFor(isQueuedFor(id), from, `queueStatus for packet ${id}`);
}

export function keyed(radio: SimRadio): SimNode {
  const node = [...radio.nodes.values()].find((n) => n.publicKey !== null && n.position !== null);
  if (!node) throw new Error("no keyed node with a position");
  return node;
}

export function keyless(radio: SimRadio): SimNode {
  const node = [...radio.nodes.values()].find((n) => n.publicKey === null);
  if (!node) throw new Error("no keyless node");
  return node;
}
