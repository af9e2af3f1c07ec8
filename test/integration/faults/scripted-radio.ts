// A radio whose every answer the test writes by hand: for faults the simulator is too
// well-behaved to make (a dump cut off after exactly N nodes, frames with absurd values,
// raw bytes). Heartbeats are answered with queueStatus, like the firmware does.
import { createServer, type Server, type Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "../../../src/protocol/frames.js";
import { PortNum, decodeToRadio, encodeFromRadio, encodeUser, type FromRadioInit } from "../../../src/protocol/messages.js";

export interface WantConfig {
  nonce: number;
  /** 1 for the first want_config since start, 2 for the next, ... */
  count: number;
  socket: Socket;
}

export class ScriptedRadio {
  readonly wantConfigs: number[] = [];
  connections = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  /** `answer` writes whatever the test wants for each want_config. */
  constructor(private readonly answer: (request: WantConfig) => void) {}

  async start(port = 0): Promise<number> {
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", resolve);
    });
    const address = server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** Destroys every client socket (a reboot, seen over TCP). */
  drop(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async stop(): Promise<void> {
    this.drop();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    this.connections += 1;
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => undefined);
    const decoder = new FrameDecoder((payload) => {
      const message = decodeToRadio(payload);
      const variant = message.payloadVariant;
      if (variant.case === "wantConfigId") {
        this.wantConfigs.push(variant.value);
        this.answer({ nonce: variant.value, count: this.wantConfigs.length, socket });
      } else if (variant.case === "heartbeat" && !socket.destroyed) {
        socket.write(frame({ payloadVariant: { case: "queueStatus", value: { free: 16, maxlen: 16 } } }));
      }
    });
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
  }
}

// Frame builders: FromRadio payloads, framed.

export const frame = (init: FromRadioInit): Buffer => encodeFrame(encodeFromRadio(init));

export const myInfoFrame = (num: number): Buffer => frame({ payloadVariant: { case: "myInfo", value: { myNodeNum: num } } });

export const completeFrame = (nonce: number): Buffer => frame({ payloadVariant: { case: "configCompleteId", value: nonce } });

export interface NodeSpec {
  num: number;
  key?: Uint8Array | null;
  longName?: string;
  shortName?: string;
}

export function nodeInfoPayload(node: NodeSpec): Uint8Array {
  return encodeFromRadio({
    payloadVariant: {
      case: "nodeInfo",
      value: {
        num: node.num,
        user: { id: "", longName: node.longName ?? `Node ${node.num}`, shortName: node.shortName ?? "N", publicKey: node.key ?? new Uint8Array(0) },
      },
    },
  });
}

export const nodeInfoFrame = (node: NodeSpec): Buffer => encodeFrame(nodeInfoPayload(node));

/** A live NODEINFO_APP packet from `node`, carrying its User (and key). */
export function nodeInfoPacketPayload(node: NodeSpec, to = 0xffffffff): Uint8Array {
  const user = encodeUser({ id: "", longName: node.longName ?? "", shortName: node.shortName ?? "", publicKey: node.key ?? new Uint8Array(0) });
  return encodeFromRadio({
    payloadVariant: {
      case: "packet",
      value: { from: node.num, to, id: 1, payloadVariant: { case: "decoded", value: { portnum: PortNum.NODEINFO_APP, payload: user } } },
    },
  });
}

/** A PKI-decrypted DM from `from`: MeshPacket.public_key carries the sender's key. */
export function pkiPacketPayload(from: number, key: Uint8Array, to: number): Uint8Array {
  return encodeFromRadio({
    payloadVariant: {
      case: "packet",
      value: {
        from,
        to,
        id: 2,
        pkiEncrypted: true,
        publicKey: key,
        payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new TextEncoder().encode("hi") } },
      },
    },
  });
}

/** A deterministic 32-byte key. */
export function keyOf(seed: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7 + 1) & 0xff);
}

export const hex = (key: Uint8Array | null | undefined): string | null => (key ? Buffer.from(key).toString("hex") : null);
