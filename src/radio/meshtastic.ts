// The Radio over the Meshtastic client API, on TCP (port 4403) or a USB serial line: the
// line itself is a Transport (transport.ts); everything here is one implementation for both.
//
// Why neither @meshtastic/core's MeshDevice nor @meshtastic/transport-node is used here
// (measured against 2.6.7 / 0.0.2, see docs/firmware.md, "Radio link notes"):
// - transport-node's reader hunts for 0x94 0xC3 inside payloads and drops frames that hold
//   it: random public keys do, about once in 2,000 keys. Our protocol/frames.ts trusts the
//   length, as the firmware's StreamAPI.cpp does.
// - MeshDevice bundles protobufs older than the radios we talk to (no
//   NodeInfo.is_key_manually_verified, which CONTRACT's `verified` needs), its queue sleeps
//   200 ms before each write and holds a 60 s timer per item (the process can't exit after a
//   disconnect), and configure() only settles on that timeout. The handshake, the nodes-only
//   refresh, heartbeats and DMs are all single frames we write ourselves, so what would be
//   left of MeshDevice is decoding, which protocol/messages.ts does with current protobufs.
import { EventEmitter } from "node:events";
import { PortNum, addContactPacket, pkiTextPacket, type FromRadio } from "../protocol/messages.js";
import { silentLog, type LogPort } from "../log-port.js";
import { backoff } from "../timing/backoff.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import { RadioConnection, emptyStats, type ConnectionOptions, type ConnectionStats } from "./connection.js";
import { Downloads, type DownloadDone } from "./downloads.js";
import { isDumpContent } from "./dump.js";
import type { HandshakeCache } from "./handshake-cache.js";
import { Outbox } from "./outbox.js";
import { NotSent } from "./pacer.js";
import { packetFacts } from "./packets.js";
import { RADIO_DEFAULTS, type MeshtasticRadioOptions } from "./radio-options.js";
import type { ForwardedPacket, SharedRadio, TapEvents } from "./shared.js";
import { SlotGuard } from "./slot.js";
import { tcpEndpoint } from "./tcp.js";
import type { Endpoint } from "./transport.js";
import { unpackTraits } from "./user-traits.js";
import type { Contact, NodeDbDump, Radio, RadioEvents, RadioInfo, RadioStatus, SendResult } from "./link.js";

export type { MeshtasticRadioOptions } from "./radio-options.js";

export class MeshtasticRadio extends EventEmitter<RadioEvents> implements Radio, SharedRadio {
  status: RadioStatus = { state: "disconnected", reason: "not started" };
  info: RadioInfo | null = null;
  readonly tap = new EventEmitter<TapEvents>();
  private readonly opts: Required<Omit<MeshtasticRadioOptions, "log" | "clock" | "endpoint" | "host" | "port" | "dumpIdleTimeoutMs" | "pacer">>;
  private readonly log: LogPort;
  private readonly clock: Clock;
  private readonly endpoint: Endpoint;
  private readonly downloads: Downloads;
  private conn: RadioConnection | null = null;
  private lastCompleteAt = 0;
  private readonly loop = new Loop();
  private readonly slot: SlotGuard;
  /** Frame counters of the connections already closed. */
  private readonly closedStats: ConnectionStats = emptyStats();
  /** Everything written to the mesh: through the pacer, with its routing result awaited. */
  private readonly outbox: Outbox;

  constructor(options: MeshtasticRadioOptions) {
    super();
    const { log, clock, endpoint, host, port, dumpIdleTimeoutMs, pacer, ...rest } = options;
    this.opts = { ...RADIO_DEFAULTS, ...rest };
    this.log = log ?? silentLog;
    this.clock = clock ?? systemClock;
    if (!endpoint && (host === undefined || port === undefined)) throw new TypeError("MeshtasticRadio needs an endpoint, or host and port");
    this.endpoint = endpoint ?? tcpEndpoint({ host: host as string, port: port as number, connectTimeoutMs: this.opts.connectTimeoutMs });
    this.downloads = new Downloads({
      timeoutMs: this.opts.dumpTimeoutMs,
      idleMs: dumpIdleTimeoutMs ?? this.endpoint.traits.dumpIdleTimeoutMs,
      keepFrames: this.opts.cacheHandshake,
      myNodeNum: () => this.info?.myNodeNum ?? 0,
      onDone: (done) => this.onDownloaded(done),
      onCache: (cache) => this.tap.emit("cache", cache),
    });
    const { slotCloseThreshold: threshold, slotWindowMs: windowMs, slotBackoffMs: backoffMs } = this.opts;
    this.slot = new SlotGuard({ threshold, windowMs, backoffMs });
    this.outbox = new Outbox({
      clock: this.clock,
      pacer,
      maxAwaitedPerClient: this.opts.maxAwaitedPerClient,
      write: (payload) => this.requireConnected().write(payload),
      onRoutingError: (event) => this.emit("routingError", event),
      onLength: (length) => this.emit("sendQueue", length),
      onWritten: (written) => this.emit("written", written),
    });
  }

  /** Packets waiting for the radio's per-port send limits (stats `send_queue`). */
  get sendQueue(): number {
    return this.outbox.length;
  }

  /** Frames read and dropped (undecodable, oversized, bytes skipped between frames) since start, over every connection. */
  get linkStats(): ConnectionStats {
    const current = this.conn?.stats;
    const total = { ...this.closedStats };
    if (current) for (const k of Object.keys(total) as (keyof ConnectionStats)[]) total[k] += current[k];
    return total;
  }

  start(): void {
    this.outbox.start();
    this.loop.start((signal) => this.run(signal));
  }

  async stop(): Promise<void> {
    const stopped = await this.loop.stop(() => this.conn?.close("stopped"));
    await this.outbox.stop();
    if (stopped) this.setStatus({ state: "disconnected", reason: "stopped" });
  }

  get cache(): HandshakeCache | null {
    return this.downloads.cache;
  }

  requestNodeDb(signal?: AbortSignal): Promise<NodeDbDump> {
    // The nodes-only nonce re-reads the NodeDB on the connection we hold: a second TCP
    // connection would make the firmware force-close this one (ServerAPI.cpp).
    return this.downloads.nodes(() => this.requireConnected(), signal);
  }

  refreshConfig(): Promise<void> {
    return this.downloads.config(() => this.requireConnected());
  }

  async forward(payload: Uint8Array, owner: string, packet: ForwardedPacket | null): Promise<SendResult | null> {
    if (this.status.state !== "connected") throw new NotSent(`radio not connected (${describe(this.status)})`);
    return this.outbox.forward(payload, owner, packet);
  }

  dropClient(owner: string): void {
    this.outbox.dropClient(owner);
  }

  async sendText(to: number, text: string, timeoutMs: number): Promise<SendResult> {
    this.requireConnected();
    return this.outbox.ours({ to, port: PortNum.TEXT_MESSAGE_APP, pki: true }, timeoutMs, (id) => pkiTextPacket(to, id, text));
  }

  async addContact(contact: Contact, timeoutMs: number): Promise<SendResult> {
    this.requireConnected();
    const myNodeNum = this.info?.myNodeNum ?? 0;
    // The firmware stores the contact's whole User: what it held besides names and key goes
    // back in, or the push would reset the node's hardware model and role. The directory
    // keeps them with the node, across restarts and after the radio lost the node.
    const traits = unpackTraits(contact.traits);
    // Admin messages for our own radio go to its own node number (AdminModule, local client).
    return this.outbox.ours({ to: myNodeNum, port: PortNum.ADMIN_APP, pki: false }, timeoutMs, (id) => addContactPacket(myNodeNum, id, contact, traits));
  }

  private requireConnected(): RadioConnection {
    const conn = this.conn;
    if (!conn || this.status.state !== "connected") throw new Error(`radio not connected (${describe(this.status)})`);
    return conn;
  }

  private async run(signal: AbortSignal): Promise<void> {
    let attempt = 0;
    while (!signal.aborted) {
      this.setStatus({ state: "connecting" });
      let conn: RadioConnection;
      try {
        conn = await RadioConnection.open(this.endpoint, this.connectionOptions(), signal);
      } catch (err) {
        if (signal.aborted) break;
        this.setStatus({ state: "disconnected", reason: (err as Error).message });
        await this.waitBeforeRetry(attempt++, signal);
        continue;
      }
      const reason = await this.serve(conn);
      const configured = this.status.state === "connected";
      for (const k of Object.keys(this.closedStats) as (keyof ConnectionStats)[]) this.closedStats[k] += conn.stats[k];
      if (this.lastCompleteAt > 0 && this.info) attempt = 0;
      if (signal.aborted) break;
      const closed = { at: this.clock.now(), configured, byPeer: conn.closedByPeer };
      const verdict = this.endpoint.traits.singleClient ? this.slot.onClose(closed) : ({ kind: "retry" } as const);
      if (verdict.kind === "yield") {
        // Don't fight the phone app for the slot: each reconnect of ours would kick it off.
        this.log.warn({ closes: verdict.closes, retryInMs: verdict.backoffMs }, verdict.reason);
        this.setStatus({ state: "disconnected", reason: verdict.reason });
        this.emit("slotTaken", { forceCloses: verdict.closes, retryInMs: verdict.backoffMs, reason: verdict.reason });
        await this.clock.sleep(verdict.backoffMs, signal);
        continue;
      }
      this.setStatus({ state: "disconnected", reason });
      await this.waitBeforeRetry(attempt++, signal);
    }
  }

  /** Runs one connection until it closes; returns why it closed. */
  private serve(conn: RadioConnection): Promise<string> {
    this.conn = conn;
    this.lastCompleteAt = 0;
    const closed = new Promise<string>((resolve) => conn.once("close", resolve));
    conn.on("message", (message, bytes) => this.onMessage(message, bytes));
    this.downloads.handshake(conn);
    return closed.then((reason) => {
      this.conn = null;
      this.downloads.fail(`connection lost during the NodeDB download: ${reason}`);
      this.outbox.lost(reason);
      return reason;
    });
  }

  /**
   * A `rebooted` frame (serial links only, SerialConsole.cpp): the radio restarted and forgot
   * this client. What was in flight is lost; the handshake runs again on the same line.
   */
  private onRebooted(): void {
    const conn = this.conn;
    if (!conn) return;
    this.log.warn({ radio: this.endpoint.label }, "the radio restarted: running the handshake again");
    this.downloads.fail("the radio restarted during the NodeDB download");
    this.outbox.lost("the radio restarted");
    this.lastCompleteAt = 0;
    this.setStatus({ state: "connecting", reason: "the radio restarted" });
    this.downloads.handshake(conn);
  }

  private onMessage(message: FromRadio, bytes: Uint8Array): void {
    const variant = message.payloadVariant;
    if (this.downloads.active && isDumpContent(message)) {
      this.downloads.add(message, bytes);
      return;
    }
    switch (variant.case) {
      case "configCompleteId":
        if (!this.downloads.complete(variant.value)) this.log.debug({ nonce: variant.value }, "config_complete_id for no download of ours; ignored");
        return;
      case "rebooted":
        this.onRebooted();
        break;
      case "packet": {
        // The API server's clients first: what the bridge makes of a packet never delays it.
        this.tap.emit("frame", { message, bytes });
        const myNum = this.info?.myNodeNum ?? this.downloads.active?.myNodeNum ?? 0;
        const facts = packetFacts(variant.value, myNum, this.isReplay(variant.value.rxTime));
        if (facts.seen) this.emit("nodeSeen", facts.seen);
        if (facts.key) this.emit("keySeen", facts.key);
        if (facts.routing) this.outbox.settle(facts.routing.requestId, facts.routing);
        return;
      }
      case "queueStatus":
        // Packet id 0: the answer to our heartbeat (PhoneAPI.cpp), the link's own business.
        if (variant.value.meshPacketId === 0) return;
        // Any other: the radio took a packet written through the pacer, which may write the next.
        this.outbox.answered(variant.value.meshPacketId);
        break;
      default:
        break;
    }
    this.tap.emit("frame", { message, bytes });
  }

  private onDownloaded({ kind, dump, myNodeNum, firmware }: DownloadDone): void {
    this.lastCompleteAt = dump.completedAt;
    if (kind === "handshake") {
      this.info = { link: this.endpoint.label, myNodeNum, firmware: firmware ?? this.info?.firmware ?? null };
      this.setStatus({ state: "connected" });
    }
    this.emit("dump", dump);
  }

  /** 2.8 firmware replays cached packets after config_complete_id; their rxTime is old. */
  private isReplay(rxTime: number): boolean {
    if (this.lastCompleteAt === 0 || Date.now() - this.lastCompleteAt > this.opts.replayWindowMs) return false;
    return rxTime !== 0 && rxTime * 1000 < this.lastCompleteAt - 30_000;
  }

  private setStatus(status: RadioStatus): void {
    if (describe(status) === describe(this.status)) return;
    this.status = status;
    this.log.info({ radio: this.endpoint.label, ...status }, "radio link");
    this.emit("status", status);
  }

  private async waitBeforeRetry(attempt: number, signal: AbortSignal): Promise<void> {
    await this.clock.sleep(backoff(attempt, this.opts.backoffMinMs, this.opts.backoffMaxMs), signal);
  }

  private connectionOptions(): ConnectionOptions {
    const { heartbeatIntervalMs, heartbeatTimeoutMs } = this.opts;
    return { heartbeatIntervalMs, heartbeatTimeoutMs, log: this.log };
  }
}

function describe(status: RadioStatus): string {
  return "reason" in status && status.reason ? `${status.state}: ${status.reason}` : status.state;
}
