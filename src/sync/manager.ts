// KeySyncManager: ties the radio, the key directory and the scheduler together, keeps the
// stats and raises bridge events. It never knows MQTT exists: the app forwards its
// "stats" and "event" emissions.
import { EventEmitter } from "node:events";
import type { KeyDirectory } from "../directory/keys.js";
import type { KeyPolicy, NodeView } from "../directory/record.js";
import { nodeId, parseNodeId } from "../node-id.js";
import type { KeySeen, NodeDbDump, NodeSeen, Radio, RemoteNode, RoutingErrorEvent, SlotTaken } from "../radio/link.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { Clock } from "./clock.js";
import type { BridgeEvent } from "./events.js";
import { SyncScheduler, type SyncReason } from "./scheduler.js";
import { SignalDeduper, judgeNodeSeen, judgeRoutingError, type SignalVerdict } from "./signals.js";
import { buildStats, type SyncCounters, type SyncStats } from "./stats.js";

export interface SyncResult {
  checked: number;
  added: number;
  updated: number;
  duration_ms: number;
}

/** Where a sync reads the NodeDB: the bot's own connection, or a temporary second one. */
export type NodeDbSource = (signal: AbortSignal) => Promise<NodeDbDump>;

export interface KeySyncOptions {
  radio: Radio;
  directory: KeyDirectory;
  clock: Clock;
  interval: number;
  enabled: boolean;
  initialDelay: number;
  onDemand: boolean;
  onDemandMaxPerMinute: number;
  keyChange: KeyPolicy;
  /** Defaults to the radio's nodes-only refresh on the connection it holds. */
  source?: NodeDbSource;
  log?: LogPort;
}

interface ManagerEvents {
  stats: [SyncStats];
  event: [BridgeEvent];
}

export class NodeNotFoundError extends Error {}

export class KeySyncManager extends EventEmitter<ManagerEvents> {
  private readonly scheduler: SyncScheduler<SyncResult>;
  private readonly counters: SyncCounters = { syncCount: 0, keysAdded: 0, keysUpdated: 0, lastSyncAt: null, lastDurationMs: null, lastError: null };
  private readonly deduper = new SignalDeduper();
  private readonly processed = new WeakMap<NodeDbDump, SyncResult>();
  private readonly log: LogPort;
  private started = false;
  /** A NodeDB download of ours is under way (stats `syncing`). */
  private syncing = false;
  private readonly radioHandlers = {
    dump: (dump: NodeDbDump): void => {
      if (dump.kind === "handshake") this.processDump(dump, dump.durationMs);
    },
    status: (): void => {
      const status = this.opts.radio.status;
      if (status.state !== "connected") this.scheduler.setReady(false);
      // No sync can run while the radio is away: stats say why (a sync clears it).
      if (status.state === "disconnected" && status.reason !== "stopped" && status.reason !== "not started") {
        this.setLastError(`radio disconnected: ${status.reason}`);
      }
    },
    slotTaken: (taken: SlotTaken): void => {
      const data = { reason: taken.reason, force_closes: taken.forceCloses, retry_in_s: Math.round(taken.retryInMs / 1000) };
      this.emit("event", { type: "radio_slot_taken", data });
    },
    keySeen: (seen: KeySeen): void => this.onKeySeen(seen),
    nodeSeen: (seen: NodeSeen): void => this.onVerdict(judgeNodeSeen(seen, this.lookup)),
    routingError: (error: RoutingErrorEvent): void => this.onVerdict(judgeRoutingError(error)),
  };
  private readonly lookup = {
    hasKey: (num: number): boolean | null => {
      const record = this.opts.directory.get(num);
      return record === undefined ? null : record.key !== null;
    },
  };

  constructor(private readonly opts: KeySyncOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.scheduler = new SyncScheduler<SyncResult>({
      clock: opts.clock,
      intervalSec: opts.interval,
      enabled: opts.enabled,
      initialDelaySec: opts.initialDelay,
      onDemandMaxPerMinute: opts.onDemandMaxPerMinute,
      run: (reason, signal) => this.runSync(reason, signal),
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    const radio = this.opts.radio;
    radio.on("dump", this.radioHandlers.dump);
    radio.on("status", this.radioHandlers.status);
    radio.on("keySeen", this.radioHandlers.keySeen);
    radio.on("nodeSeen", this.radioHandlers.nodeSeen);
    radio.on("routingError", this.radioHandlers.routingError);
    radio.on("slotTaken", this.radioHandlers.slotTaken);
    this.scheduler.start();
    this.publishStats();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    const radio = this.opts.radio;
    radio.off("dump", this.radioHandlers.dump);
    radio.off("status", this.radioHandlers.status);
    radio.off("keySeen", this.radioHandlers.keySeen);
    radio.off("nodeSeen", this.radioHandlers.nodeSeen);
    radio.off("routingError", this.radioHandlers.routingError);
    radio.off("slotTaken", this.radioHandlers.slotTaken);
    await this.scheduler.stop();
    this.started = false;
  }

  stats(): SyncStats {
    const s = this.scheduler;
    const view = { running: this.syncing, enabled: s.enabled, intervalSec: s.intervalSec, nextSyncAt: s.nextSyncAt };
    return buildStats(this.counters, view, this.started, this.opts.directory.summary());
  }

  /** A full sync now, also while disabled; concurrent calls share one sync. */
  sync(): Promise<SyncResult> {
    return this.scheduler.force();
  }

  setInterval(seconds: number): void {
    this.scheduler.setInterval(seconds);
    this.publishStats();
  }

  setEnabled(enabled: boolean): void {
    this.scheduler.setEnabled(enabled);
    this.publishStats();
  }

  node(id: string): NodeView {
    const view = this.opts.directory.view(this.numOf(id));
    if (!view) throw new NodeNotFoundError(`node ${id} is not in the key directory`);
    return view;
  }

  acceptKey(id: string): NodeView {
    const view = this.opts.directory.acceptKey(this.numOf(id));
    if (!view) throw new NodeNotFoundError(`node ${id} is not in the key directory`);
    this.publishStats();
    return view;
  }

  forget(id: string): void {
    if (!this.opts.directory.forget(this.numOf(id))) throw new NodeNotFoundError(`node ${id} is not in the key directory`);
    this.publishStats();
  }

  private async runSync(reason: SyncReason, signal: AbortSignal): Promise<SyncResult> {
    const started = this.opts.clock.now();
    this.syncing = true;
    try {
      const fetch = this.opts.source ?? ((s: AbortSignal) => this.opts.radio.requestNodeDb(s));
      const dump = await fetch(signal);
      this.syncing = false;
      // A handshake that was under way when we asked was already counted by its event.
      const result = this.processed.get(dump) ?? this.processDump(dump, this.opts.clock.now() - started);
      this.log.debug({ reason }, "sync done");
      return result;
    } catch (err) {
      this.syncing = false;
      const message = (err as Error).message;
      this.counters.lastError = message;
      this.log.warn({ reason, err: message }, "sync failed");
      this.emit("event", { type: "sync_failed", data: { reason: message } });
      this.publishStats();
      throw err;
    }
  }

  /** Merges one complete dump: this is what counts as a sync. */
  private processDump(dump: NodeDbDump, durationMs: number): SyncResult {
    const ingest = this.opts.directory.ingestDump(dump, this.opts.keyChange);
    const { checked, added, updated } = ingest.counts;
    const result: SyncResult = { checked, added, updated, duration_ms: Math.round(durationMs) };
    this.processed.set(dump, result);
    this.counters.syncCount += 1;
    this.counters.keysAdded += added;
    this.counters.keysUpdated += updated;
    this.counters.lastSyncAt = this.opts.clock.now();
    this.counters.lastDurationMs = durationMs;
    this.counters.lastError = null;
    if (ingest.ownNodeOnly) {
      this.log.warn({}, "the radio sent only its own node: nothing learned (is this client authorised on the radio?)");
    }
    this.log.info(result, `sync: checked ${checked}, added ${added}, updated ${updated}, ${result.duration_ms} ms`);
    for (const event of ingest.events) this.emit("event", event);
    if (dump.kind === "handshake") this.scheduler.setReady(true);
    this.publishStats();
    return result;
  }

  /** Keys another gateway shared: merged under the dump's rules, with source gateway:<name>. */
  ingestGateway(gateway: string, nodes: readonly RemoteNode[]): void {
    this.absorb(this.opts.directory.ingestGateway(gateway, nodes, this.opts.keyChange));
  }

  private onKeySeen(seen: KeySeen): void {
    this.absorb(this.opts.directory.ingestKeySeen(seen, this.opts.keyChange));
  }

  /** Keys learned between syncs count in the totals, and their events go out. */
  private absorb(ingest: ReturnType<KeyDirectory["ingestKeySeen"]>): void {
    if (ingest.changes.length === 0) return;
    this.counters.keysAdded += ingest.counts.added;
    this.counters.keysUpdated += ingest.counts.updated;
    for (const event of ingest.events) this.emit("event", event);
    this.publishStats();
  }

  private onVerdict(verdict: SignalVerdict): void {
    if (verdict.kind === "none") return;
    const id = nodeId(verdict.num);
    if (verdict.kind === "remote_lacks_our_key") {
      this.emit("event", { type: "remote_lacks_our_key", data: { id } });
      return;
    }
    if (verdict.kind === "mismatch") {
      const fingerprint = this.opts.directory.get(verdict.num)?.fingerprint ?? null;
      this.emit("event", { type: "key_mismatch", data: { id, fingerprint } });
      return;
    }
    // One key_missing and one on-demand request per node per interval.
    if (!this.deduper.admit(verdict.num, this.opts.clock.now(), this.scheduler.intervalSec * 1000)) return;
    this.emit("event", { type: "key_missing", data: { id, reason: verdict.reason } });
    if (this.opts.onDemand) this.scheduler.requestOnDemand();
  }

  private numOf(id: string): number {
    const num = parseNodeId(id);
    if (num === null) throw new NodeNotFoundError(`"${id}" is not a node id like "!a76f40da"`);
    return num;
  }

  /** A failure outside the sync loop that users should see in stats (e.g. the key store's disk). */
  reportError(message: string): void {
    this.setLastError(message);
  }

  private setLastError(message: string): void {
    if (this.counters.lastError === message) return;
    this.counters.lastError = message;
    this.publishStats();
  }

  private publishStats(): void {
    this.emit("stats", this.stats());
  }
}
