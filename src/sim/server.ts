// The simulated radio's TCP side: one client at a time like ServerAPI.cpp (or many, as a
// proxy would), the sessions' hooks (routing answers, heartbeats, dumps), stats and events.
// The controls that make the mesh do things live in radio.ts.
import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import { encodeFromRadio, type MeshPacket, type MeshPacketInit } from "../protocol/messages.js";
import { handleClientPacket, type AdminEffect, type RoutingAnswer } from "./client-packets.js";
import type { DumpKind } from "./dump.js";
import { packetFrame, routingPacket } from "./encode.js";
import { SimNodeDb } from "./nodedb.js";
import { resolveOptions, type ResolvedOptions, type SimRadioOptions } from "./options.js";
import { replayPayloads } from "./replay.js";
import { SimSession, type SessionHooks, type SessionSocket } from "./session.js";

/** Long-running demos must not grow these lists without bound. */
const MAX_RECORDS = 1000;

export interface SimStats {
  /** Accepted TCP connections since start. */
  connections: number;
  /** Previous clients closed because a new one connected (ServerAPI.cpp "Force close previous TCP connection"). */
  forceCloses: number;
  dumps: { full: number; nodesOnly: number; configOnly: number };
  heartbeats: number;
  /** Nonce of each heartbeat, oldest first (last 1000). */
  heartbeatNonces: number[];
  packetsFromClient: number;
  /** Client frames refused: a length over 512, or a payload that is no ToRadio. */
  framesRefused: number;
  /** PKI DMs the radio dropped because it lacks the sender's key (or holds an older one). */
  pkiDropped: number;
  /** Received NodeInfos the NodeDB did not store (key mismatch, our own key); the client got them. */
  nodeInfoRefused: number;
  /** Live packets discarded from a full to-phone queue. */
  heldDropped: number;
  /** Socket writes and bytes sent to clients. */
  socketWrites: number;
  bytesOut: number;
}

export interface DumpInfo {
  session: number;
  nonce: number;
  kind: DumpKind;
  /** Other node infos in the dump. */
  nodes: number;
}

export interface ClientPacketRecord {
  session: number;
  packet: MeshPacket;
  /** The routing answer sent back, null when none (no want_ack). */
  answer: RoutingAnswer | null;
}

export interface SimRadioEvents {
  client: [{ session: number; remote: string }];
  disconnect: [{ session: number; reason: string }];
  forceClose: [{ session: number }];
  dumpStart: [DumpInfo];
  dump: [DumpInfo];
  heartbeat: [{ session: number; nonce: number }];
  packetFromClient: [ClientPacketRecord];
  admin: [AdminEffect & { session: number }];
  frameRefused: [{ session: number; reason: "oversized" | "undecodable"; count: number }];
  dropped: [{ from: number; reason: string }];
  /** NodeDB::updateUser refused a NodeInfo: "key_mismatch" (a stored key is never replaced) or "own_key". */
  nodeInfoRefused: [{ from: number; reason: "key_mismatch" | "own_key" }];
}

export class SimServer extends EventEmitter<SimRadioEvents> {
  readonly options: ResolvedOptions;
  readonly db: SimNodeDb;
  readonly stats: SimStats = {
    connections: 0,
    forceCloses: 0,
    dumps: { full: 0, nodesOnly: 0, configOnly: 0 },
    heartbeats: 0,
    heartbeatNonces: [],
    packetsFromClient: 0,
    framesRefused: 0,
    pkiDropped: 0,
    nodeInfoRefused: 0,
    heldDropped: 0,
    socketWrites: 0,
    bytesOut: 0,
  };
  /** Every packet a client sent, with the answer it got (last 1000). */
  readonly clientPackets: ClientPacketRecord[] = [];
  protected readonly sessions = new Map<number, SimSession>();
  protected hung = false;
  private server: Server | null = null;
  private nextSession = 1;
  /** Packets heard while no client was connected: the firmware keeps them for the next phone. */
  private backlog: Uint8Array[] = [];
  private readonly hooks: SessionHooks;

  constructor(options: SimRadioOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.db = new SimNodeDb({ seed: this.options.seed, count: this.options.nodes, now: this.nowSeconds(), capacity: this.options.capacity });
    this.hooks = this.makeHooks();
  }

  /** Starts listening; resolves with the real address (the real port when port 0 was asked). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error("the simulated radio is already started");
    const server = createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        this.server = null;
        reject(err);
      };
      server.once("error", onError);
      server.listen({ host: this.options.host, port: this.options.port }, () => {
        server.off("error", onError);
        resolve();
      });
    });
    return this.address;
  }

  get address(): { host: string; port: number } {
    const address = this.server?.address();
    if (!address || typeof address === "string") throw new Error("the simulated radio is not listening");
    return { host: this.options.host, port: address.port };
  }

  /** Connected clients right now. */
  get clients(): number {
    return this.sessions.size;
  }

  /** Closes every client and the listener; afterwards nothing of the simulator is left open. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const session of this.sessions.values()) session.close("simulator stopped");
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  protected nowSeconds(): number {
    return Math.floor(this.options.now() / 1000);
  }

  /** Hands a live packet to every client (held during a dump), or keeps it for the next one. */
  protected deliverLive(packet: MeshPacketInit): void {
    this.deliverFrame(packetFrame(packet));
  }

  /** Any FromRadio payload the radio sends on its own (packets, client notifications). */
  protected deliverFrame(payload: Uint8Array): void {
    if (this.sessions.size === 0) {
      this.backlog.push(payload);
      if (this.backlog.length > this.options.maxHeldPackets) {
        this.backlog.shift();
        this.stats.heldDropped += 1;
      }
      return;
    }
    for (const session of this.sessions.values()) session.deliver(payload);
  }

  private onConnection(socket: Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    if (!this.options.multiClient) {
      for (const previous of this.sessions.values()) {
        this.stats.forceCloses += 1;
        this.emit("forceClose", { session: previous.id });
        previous.close("force closed: another client connected");
      }
    }
    this.adopt(socket, `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`);
  }

  /** Serves one client line (a TCP socket, or a serial port whose line outlives the client). */
  protected adopt(socket: SessionSocket, remote: string, keepLine = false): SimSession {
    const session = new SimSession(this.nextSession++, socket, this.hooks, {
      idleTimeoutMs: this.options.idleTimeoutMs,
      maxHeldPackets: this.options.maxHeldPackets,
      keepLine,
    });
    this.sessions.set(session.id, session);
    this.stats.connections += 1;
    const backlog = this.backlog;
    this.backlog = [];
    session.start(backlog, this.hung);
    this.emit("client", { session: session.id, remote });
    return session;
  }

  private makeHooks(): SessionHooks {
    return {
      dumpContext: () => ({
        db: this.db,
        firmwareVersion: this.options.firmwareVersion,
        thinNodeInfos: this.options.replayAfterComplete,
      }),
      replayPayloads: () => (this.options.replayAfterComplete ? replayPayloads(this.db, this.options.replayNodes) : []),
      queueStatus: () =>
        encodeFromRadio({ payloadVariant: { case: "queueStatus", value: { res: 0, free: 16, maxlen: 16, meshPacketId: 0 } } }),
      onDumpStart: (session, nonce, kind) => this.emit("dumpStart", this.dumpInfo(session, nonce, kind)),
      onDumpComplete: (session, nonce, kind) => {
        this.stats.dumps[kind] += 1;
        this.emit("dump", this.dumpInfo(session, nonce, kind));
      },
      onHeartbeat: (session, nonce) => {
        this.stats.heartbeats += 1;
        pushBounded(this.stats.heartbeatNonces, nonce);
        this.emit("heartbeat", { session: session.id, nonce });
      },
      onPacket: (session, packet) => this.onClientPacket(session, packet),
      onRefused: (session, reason, count) => {
        this.stats.framesRefused += count;
        this.emit("frameRefused", { session: session.id, reason, count });
      },
      onHeldDropped: () => {
        this.stats.heldDropped += 1;
      },
      onWrite: (_session, bytes) => {
        this.stats.socketWrites += 1;
        this.stats.bytesOut += bytes;
      },
      onClose: (session, reason) => {
        this.sessions.delete(session.id);
        this.emit("disconnect", { session: session.id, reason });
      },
    };
  }

  private dumpInfo(session: SimSession, nonce: number, kind: DumpKind): DumpInfo {
    return { session: session.id, nonce, kind, nodes: kind === "configOnly" ? 0 : this.db.size };
  }

  private onClientPacket(session: SimSession, packet: MeshPacket): void {
    this.stats.packetsFromClient += 1;
    const outcome = handleClientPacket(packet, this.db, this.nowSeconds());
    const record: ClientPacketRecord = { session: session.id, packet, answer: outcome.answer };
    pushBounded(this.clientPackets, record);
    if (outcome.admin) this.emit("admin", { ...outcome.admin, session: session.id });
    if (outcome.answer) {
      // The answer goes to the client that sent the packet only (a proxy routes it back).
      const { from, error } = outcome.answer;
      const answer = routingPacket(from, this.db.own.num, packet.id, error, { id: this.db.packetId(), rxTime: this.nowSeconds() });
      session.deliver(packetFrame(answer));
    }
    this.emit("packetFromClient", record);
  }
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_RECORDS) list.splice(0, list.length - MAX_RECORDS);
}
