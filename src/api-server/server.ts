// The API server (api_server): the Meshtastic TCP API for other clients over the bridge's one
// radio link. Handshakes come from the radio's cached handshake (with the directory's keys
// where the radio lacks them), live frames fan out to every client, clients' packets go to
// the radio through the link. A second consumer of the radio: it never knows MQTT exists.
import { EventEmitter } from "node:events";
import { createServer, type Server, type Socket } from "node:net";
import type { DirectoryEvents } from "../directory/keys.js";
import { listen } from "../lifecycle.js";
import { silentLog, type LogPort } from "../log-port.js";
import { encodeFrame } from "../protocol/frames.js";
import type { Radio, RadioEvents, RadioStatus } from "../radio/link.js";
import type { HandshakeCache, RadioFrame, SharedRadio, TapEvents } from "../radio/shared.js";
import { ClientActions, type KeyFiller } from "./actions.js";
import { radioNodes, type DirectoryKeys, type RadioNodes } from "./nodes.js";
import { DEFAULT_QUEUE, clientNotification, type QueueFigures } from "./replies.js";
import { classifyRequest } from "./requests.js";
import { ApiSession, type SessionHost, type SessionOptions } from "./session.js";
import { forClients } from "./secrets.js";
import { NodeUpdates } from "./updates.js";
import { ClientView } from "./view.js";

export interface ApiServerOptions {
  host: string;
  port: number;
  maxClients: number;
  admin: boolean;
  directoryNodes: boolean;
  radio: Radio & SharedRadio;
  keys: DirectoryKeys;
  /** The directory's change events: a key that becomes available goes to the clients at once. */
  changes: EventEmitter<DirectoryEvents>;
  filler: KeyFiller;
  /** send.timeout in ms: the wait for a forwarded packet's routing result. */
  timeoutMs: number;
  session?: Partial<SessionOptions>;
  log?: LogPort;
}

export interface ApiClientInfo {
  /** "127.0.0.1:50123" */
  address: string;
  connected_at: string;
}

export interface ApiServerEvents {
  /** A client came or went. */
  clients: [ApiClientInfo[]];
}

const SESSION_DEFAULTS: SessionOptions = { maxQueuedBytes: 4 * 1024 * 1024, maxHeld: 32, waitMs: 60_000, firstFrameMs: 15_000, idleMs: 15 * 60_000 };

/** How long a refused client has to read why before its socket is destroyed. */
const REFUSAL_LINGER_MS = 2_000;

/**
 * Tells a client why it is not served, then closes: a bare close reads as a network error
 * ("Bad file descriptor" in the Python library), a notification is shown for what it is.
 */
function refuse(socket: Socket, message: string): void {
  socket.on("error", () => undefined);
  const timer = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
  socket.end(encodeFrame(clientNotification(message)));
}

export class ApiServer extends EventEmitter<ApiServerEvents> {
  private server: Server | null = null;
  private readonly sessions = new Set<ApiSession>();
  /** Rebuilt lazily at the next handshake after any change of the cache or the directory. */
  private current: ClientView | null = null;
  /** The radio's nodes by number, per cache: read at every directory change, so never rebuilt for one. */
  private index: { cache: HandshakeCache; nodes: RadioNodes } | null = null;
  private queue: QueueFigures = DEFAULT_QUEUE;
  private unlisten: (() => void)[] = [];
  private readonly log: LogPort;
  private readonly actions: ClientActions;
  private readonly sessionOptions: SessionOptions;
  private readonly host: SessionHost;
  private readonly updates: NodeUpdates;
  private bound = { host: "", port: 0 };

  constructor(private readonly opts: ApiServerOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.sessionOptions = { ...SESSION_DEFAULTS, ...opts.session };
    this.actions = new ClientActions({ radio: opts.radio, filler: opts.filler, timeoutMs: opts.timeoutMs, log: this.log, view: () => this.view(), queue: () => this.queue });
    this.host = {
      view: () => this.view(),
      classify: (message) => classifyRequest(message, this.myNodeNum(), opts.admin),
      act: (session, request, payload) => this.actions.act(session, request, payload),
      closed: (session, reason) => this.onClosed(session, reason),
    };
    this.updates = new NodeUpdates({
      keys: opts.keys,
      directoryNodes: opts.directoryNodes,
      sessions: () => this.sessions,
      cache: () => this.liveCache(),
      index: (cache) => this.radioIndex(cache),
      view: () => this.view(),
      log: this.log,
    });
  }

  /** host:port listened on (the real port when 0 was asked). */
  get address(): string {
    return `${this.bound.host}:${this.bound.port}`;
  }

  get port(): number {
    return this.bound.port;
  }

  get clients(): ApiClientInfo[] {
    return [...this.sessions].map((s) => ({ address: s.address, connected_at: new Date(s.connectedAt).toISOString() }));
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.onConnection(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        const where = `${this.opts.host}:${this.opts.port}`;
        reject(new Error(err.code === "EADDRINUSE" ? `api_server: ${where} is already in use (another bridge, meshtasticd or the simulator?): set api_server.port to a free port` : `api_server: cannot listen on ${where}: ${err.message}`));
      });
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("api_server has no TCP address");
    this.server = server;
    this.bound = { host: address.address, port: address.port };
    const { radio, changes } = this.opts;
    // The radio link and the directory call these: a failure here must not reach them.
    const guard = (what: string, fn: () => void): void => {
      try {
        fn();
      } catch (err) {
        this.log.error({ err: String(err) }, `API server: ${what} failed`);
      }
    };
    this.unlisten = [
      listen<TapEvents>(radio.tap, { frame: (frame) => guard("passing a frame on", () => this.fanOut(frame)), cache: () => guard("a cache update", () => this.onCache()) }),
      listen<RadioEvents>(radio, { status: (status) => guard("a radio status", () => this.onStatus(status)) }),
      listen<DirectoryEvents>(changes, {
        nodeChanged: (_view, record) => guard("sending a new key", () => this.onDirectoryChange(record.num)),
        nodeRemoved: () => (this.current = null),
      }),
    ];
    this.log.info({ address: this.address }, `API server listening on ${this.address}`);
  }

  async stop(): Promise<void> {
    for (const off of this.unlisten.splice(0)) off();
    const server = this.server;
    this.server = null;
    for (const session of this.sessions) session.close("the bridge is stopping");
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private myNodeNum(): number {
    return this.opts.radio.cache?.myNodeNum ?? this.opts.radio.info?.myNodeNum ?? 0;
  }

  /** The radio's cache while it is connected; null while it is away or has not answered. */
  private liveCache(): HandshakeCache | null {
    const { radio } = this.opts;
    return radio.cache !== null && radio.status.state === "connected" ? radio.cache : null;
  }

  private radioIndex(cache: HandshakeCache): RadioNodes {
    if (this.index?.cache !== cache) this.index = { cache, nodes: radioNodes(cache) };
    return this.index.nodes;
  }

  /** What a handshake is served from now. */
  private view(): ClientView | null {
    const cache = this.liveCache();
    if (cache === null) return null;
    if (this.current?.cache !== cache) {
      this.current = new ClientView(cache, this.radioIndex(cache), this.opts.keys, { admin: this.opts.admin, directoryNodes: this.opts.directoryNodes }, this.updates.live);
    }
    return this.current;
  }

  private onConnection(socket: Socket): void {
    const address = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    if (!this.server || this.sessions.size >= this.opts.maxClients) {
      const why = this.server ? `${this.opts.maxClients} clients already (api_server.max_clients)` : "the bridge is stopping";
      this.log.warn({ client: address }, `refused API client ${address}: ${why}`);
      refuse(socket, `meshtastic-keysync refused this connection: ${why}`);
      return;
    }
    const session = new ApiSession(socket, address, this.host, this.sessionOptions);
    this.sessions.add(session);
    session.start();
    this.log.info({ client: address, clients: this.sessions.size }, `API client ${address} connected`);
    this.emit("clients", this.clients);
  }

  private onClosed(session: ApiSession, reason: string): void {
    if (!this.sessions.delete(session)) return;
    this.opts.radio.dropClient(session.address);
    this.log.info({ client: session.address, reason, clients: this.sessions.size }, `API client ${session.address} left: ${reason}`);
    this.emit("clients", this.clients);
  }

  private fanOut(frame: RadioFrame): void {
    const variant = frame.message.payloadVariant;
    if (variant.case === "queueStatus") this.queue = { free: variant.value.free, maxlen: variant.value.maxlen };
    if (this.sessions.size === 0) return;
    const payload = this.opts.admin ? frame.bytes : forClients(frame);
    if (payload === null) return;
    const framed = encodeFrame(payload);
    for (const session of this.sessions) session.deliver(framed);
    // After the clients had the frame: a NodeInfo the radio did not take as heard is corrected.
    if (this.updates.passedOn(frame)) this.current = null;
  }

  private onCache(): void {
    this.current = null;
    this.updates.cacheChanged(this.liveCache());
    this.actions.radioReread();
    this.serveWaiting();
    this.updates.catchUp();
  }

  private onStatus(status: RadioStatus): void {
    if (status.state === "connected") {
      this.serveWaiting();
      return;
    }
    this.current = null;
    // The clients' view of the radio ends with the link: they reconnect and handshake again.
    const reason = `the radio link is ${status.state}${"reason" in status && status.reason ? `: ${status.reason}` : ""}`;
    for (const session of this.sessions) if (session.state === "ready") session.close(reason);
  }

  private serveWaiting(): void {
    for (const session of this.sessions) session.serveWaiting();
  }

  /** A node's directory entry changed: a key the clients lack may have become shareable. */
  private onDirectoryChange(num: number): void {
    this.current = null;
    this.updates.directoryChanged(num);
  }
}
