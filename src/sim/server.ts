// The simulated radio's TCP side: one client at a time like ServerAPI.cpp (or many, as a
// proxy would), the sessions' hooks (routing answers, heartbeats, dumps), stats and events.
// The controls that make the mesh do things live in radio.ts, those of the link in
// link-controls.ts.
import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import type { MeshPacket, MeshPacketInit } from "../protocol/messages.js";
import type { DumpKind } from "./dump.js";
import { packetFrame, queueStatusFrame } from "./encode.js";
import { Latency } from "./latency.js";
import { SimNodeDb } from "./nodedb.js";
import { resolveOptions, type ResolvedOptions, type SimRadioOptions } from "./options.js";
import { PhoneGate, resolveLimits } from "./phone-gate.js";
import { answerPhonePacket } from "./phone-packets.js";
import { replayPayloads } from "./replay.js";
import type { ClientPacketRecord, DumpInfo, SimRadioEvents, SimStats } from "./server-types.js";
import { SimSession, type SessionHooks, type SessionSocket } from "./session.js";

/** Long-running demos must not grow these lists without bound. */
const MAX_RECORDS = 1000;

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
    sendsRefused: 0,
    duplicatesIgnored: 0,
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
  /** PhoneAPI's per-connection state: recent ids and each port's last accepted send. */
  private readonly gates = new Map<number, PhoneGate>();
  private readonly sendLimits: Readonly<Record<number, number>>;
  private readonly latency: Latency | null;

  constructor(options: SimRadioOptions = {}) {
    super();
    this.options = resolveOptions(options);
    this.db = new SimNodeDb({
      seed: this.options.seed,
      count: this.options.nodes,
      now: this.nowSeconds(),
      capacity: this.options.capacity,
      keyNumbers: this.options.firmware28,
    });
    this.sendLimits = resolveLimits(this.options.sendLimitsMs);
    this.latency = this.options.latency ? new Latency(this.options.seed) : null;
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

  /** The time the radio stamps on what it sends: 0 without a time source. */
  protected radioTime(): number {
    return this.options.noTimeSource ? 0 : this.nowSeconds();
  }

  /** Packets waiting in the radio for the next client (heard while none was connected). */
  get backlogSize(): number {
    return this.backlog.length;
  }

  /** Hands a live packet to every client (held during a dump), or keeps it for the next one. */
  protected deliverLive(packet: MeshPacketInit): void {
    this.deliverFrame(packetFrame(packet));
  }

  /** Any FromRadio payload the radio sends on its own (packets, client notifications). */
  protected deliverFrame(payload: Uint8Array): void {
    if (this.sessions.size === 0) {
      this.keepForNextClient([payload]);
      return;
    }
    for (const session of this.sessions.values()) session.deliver(payload);
  }

  /** The to-phone queue outlives a client (MeshService owns it): bounded, oldest dropped. */
  private keepForNextClient(payloads: Uint8Array[]): void {
    this.backlog.push(...payloads);
    const excess = this.backlog.length - this.options.maxHeldPackets;
    if (excess <= 0) return;
    this.backlog.splice(0, excess);
    this.stats.heldDropped += excess;
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
    this.gates.set(session.id, new PhoneGate(this.sendLimits));
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
        noTime: this.options.noTimeSource,
      }),
      replayPayloads: () => (this.options.replayAfterComplete ? replayPayloads(this.db, this.options.replayNodes) : []),
      queueStatus: () => queueStatusFrame(0),
      delayMs: (what) => this.latency?.delayMs(what, this.db.size) ?? 0,
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
      onClose: (session, reason, unsent) => {
        this.sessions.delete(session.id);
        this.gates.delete(session.id);
        // What this client never got stays queued for the next one, unless another has it.
        if (this.sessions.size === 0) this.keepForNextClient(unsent);
        this.emit("disconnect", { session: session.id, reason });
      },
    };
  }

  private dumpInfo(session: SimSession, nonce: number, kind: DumpKind): DumpInfo {
    return { session: session.id, nonce, kind, nodes: kind === "configOnly" ? 0 : this.db.size };
  }

  private onClientPacket(session: SimSession, packet: MeshPacket): void {
    this.stats.packetsFromClient += 1;
    const gate = this.gates.get(session.id);
    if (!gate) return;
    const verdict = gate.check(packet, this.options.now());
    if (verdict.kind === "refused") this.stats.sendsRefused += 1;
    if (verdict.kind === "duplicate") this.stats.duplicatesIgnored += 1;
    const context = { db: this.db, nowSeconds: this.nowSeconds(), radioTime: this.radioTime(), echoTransmitted: this.options.echoTransmitted };
    const { outcome, frames } = answerPhonePacket(packet, verdict, context);
    const record: ClientPacketRecord = { session: session.id, packet, verdict: verdict.kind, answer: outcome?.answer ?? null };
    pushBounded(this.clientPackets, record);
    if (outcome?.admin) this.emit("admin", { ...outcome.admin, session: session.id });
    // The answers go to the client that sent the packet only (a proxy routes them back).
    for (const frame of frames) session.deliver(frame);
    this.emit("packetFromClient", record);
  }
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > MAX_RECORDS) list.splice(0, list.length - MAX_RECORDS);
}
