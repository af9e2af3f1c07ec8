// KeySyncManager, the sync engine: ties the radio, the key directory and the scheduler
// together, decides when the sync figures go out and raises the engine's own bridge events (the
// directory raises the key events itself; what a sync leaves behind is sync-run.ts's). It never
// knows MQTT exists: the MQTT side listens to it and to the directory, and calls the methods
// below with node numbers parsed at the edge (the key commands live in key-commands.ts).
import { EventEmitter } from "node:events";
import type { DirectoryEvents, KeyDirectory } from "../directory/keys.js";
import type { KeyPolicy } from "../directory/record.js";
import { listen } from "../lifecycle.js";
import type { NodeDbDump, Radio, RadioEvents, RadioStatus } from "../radio/link.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { Clock } from "../timing/clock.js";
import { Coalescer } from "../timing/coalesce.js";
import { RadioNotReadyError } from "./errors.js";
import type { EngineEvent } from "./events.js";
import { DumpMerge } from "./dump-merge.js";
import type { RefillPort } from "./refill.js";
import { RadioWatch } from "./radio-watch.js";
import type { SettingsSaver } from "./runtime-settings.js";
import { SyncScheduler } from "./scheduler.js";
import { buildStats, type SyncCounters, type SyncStats, type UplinkStats } from "./stats.js";
import { SyncRun, type NodeDbSource, type SyncResult } from "./sync-run.js";

export type { RadioStatus } from "../radio/link.js";
export type { NodeDbSource, SyncResult } from "./sync-run.js";

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
  /** Saves interval and enabled before they apply (runtime-settings.ts); without it they are not kept. */
  settings?: SettingsSaver;
  /** The API server's clients connected now (stats `api_clients`). */
  apiClients?: () => number;
  /** The mesh uplink's figures (stats `uplink_*`), with uplink.enabled. */
  uplink?: () => UplinkStats;
  /** Puts the keys back into a radio that lost its NodeDB (refill.ts); without it, nothing is refilled. */
  refill?: RefillPort;
  log?: LogPort;
}

export interface ManagerEvents {
  stats: [SyncStats];
  event: [EngineEvent];
  /** The radio link's state, for radio/state. */
  radio: [RadioStatus];
  /** A handshake completed: the radio's identity (bridge/info) is known; its dump follows. */
  handshake: [];
  /** interval or enabled changed (bridge/info.settings). */
  settings: [];
}

export class KeySyncManager extends EventEmitter<ManagerEvents> {
  private readonly scheduler: SyncScheduler<SyncResult>;
  private readonly counters: SyncCounters = { syncCount: 0, lastSyncAt: null, lastDurationMs: null, lastError: null };
  private readonly watch: RadioWatch;
  private readonly log: LogPort;
  private unlisten: (() => void)[] = [];
  private started = false;
  /** The directory is being changed by a call that publishes stats itself when done. */
  private quiet = false;
  /** The send queue's length changes with every packet: its figure goes out at most once a second. */
  private readonly queueFigure: Coalescer;
  private readonly dumps: DumpMerge;
  private readonly runs: SyncRun;
  /** "Sync now" failed since the radio went away: its failure stays last_error until the radio is back. */
  private failedWhileAway = false;

  constructor(private readonly opts: KeySyncOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.scheduler = new SyncScheduler<SyncResult>({
      clock: opts.clock,
      intervalSec: opts.interval,
      enabled: opts.enabled,
      initialDelaySec: opts.initialDelay,
      onDemandMaxPerMinute: opts.onDemandMaxPerMinute,
      run: (reason, signal) => this.runs.run(reason, signal),
    });
    this.queueFigure = new Coalescer({
      clock: opts.clock,
      gapMs: 1_000,
      run: () => this.publishStats(),
      onError: (err) => this.log.warn({ err: String(err) }, "publishing the send queue's length failed"),
    });
    this.dumps = new DumpMerge({
      ...opts,
      log: this.log,
      event: (event) => this.emit("event", event),
      quietly: (change) => this.quietly(change),
      live: () => this.started,
    });
    this.runs = new SyncRun({
      ...opts,
      scheduler: this.scheduler,
      dumps: this.dumps,
      counters: this.counters,
      log: this.log,
      event: (event) => this.emit("event", event),
      publishStats: () => this.publishStats(),
    });
    this.watch = new RadioWatch({
      ...opts,
      intervalMs: () => this.scheduler.intervalSec * 1000,
      event: (event) => this.emit("event", event),
      onDemand: () => {
        if (opts.onDemand) this.scheduler.requestOnDemand();
      },
    });
  }

  get radioStatus(): RadioStatus {
    return this.opts.radio.status;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.unlisten = [
      listen<RadioEvents>(this.opts.radio, {
        dump: (dump) => this.onDump(dump),
        status: (status) => this.onStatus(status),
        sendQueue: () => this.queueFigure.poke(),
      }),
      // Keys learned between syncs (live packets, other gateways) change the figures too.
      listen<DirectoryEvents>(this.opts.directory, { dirty: () => this.quiet || this.publishStats() }),
      this.watch.start(),
    ];
    this.scheduler.start();
    this.queueFigure.start();
    this.publishStats();
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    for (const off of this.unlisten.splice(0)) off();
    await this.queueFigure.stop();
    await this.dumps.stop();
    await this.scheduler.stop();
    this.started = false;
  }

  stats(): SyncStats {
    const s = this.scheduler;
    const view = { running: this.runs.syncing, enabled: s.enabled, intervalSec: s.intervalSec, nextSyncAt: s.nextSyncAt };
    const { directory } = this.opts;
    return buildStats(this.counters, view, this.started, directory.summary(), directory.totals(), this.dumps.figures, this.opts.apiClients?.() ?? 0, this.opts.radio.sendQueue, this.opts.uplink?.() ?? null);
  }

  /** A figure kept outside the engine changed (the API server's clients): stats go out again. */
  statsChanged(): void {
    this.publishStats();
  }

  /** A full sync now, also while disabled; concurrent calls share one sync. */
  sync(): Promise<SyncResult> {
    // Refused before any sync ran (the radio is away): a failed sync all the same, which the
    // user sees as sync_failed and in stats, not only in the command's response.
    return this.scheduler.force().catch((err: unknown) => {
      if (err instanceof RadioNotReadyError) {
        this.failedWhileAway = true;
        this.runs.failed("forced", err.message);
      }
      throw err;
    });
  }

  /**
   * A sync that starts after this call, never one already under way, whose dump may predate a
   * change just made (a push's add_contact): what the push command's confirmation reads.
   */
  async syncFresh(): Promise<SyncResult> {
    await this.scheduler.idle();
    return this.sync();
  }

  /** Answers once the interval is saved (durable before acknowledged); a failed save changes nothing. */
  async setInterval(seconds: number): Promise<void> {
    await this.opts.settings?.save("interval", seconds);
    this.scheduler.setInterval(seconds);
    this.settingChanged();
  }

  async setEnabled(enabled: boolean): Promise<void> {
    await this.opts.settings?.save("enabled", enabled);
    this.scheduler.setEnabled(enabled);
    this.settingChanged();
  }

  /** Runs a directory change without the figures following each step; they go out once it is announced. */
  async afterChange<T>(change: () => T): Promise<T> {
    const result = this.quietly(change);
    await this.opts.directory.lastChangeAnnounced();
    this.publishStats();
    return result;
  }

  /** A failure outside the sync loop that users should see in stats (e.g. the key store's disk). */
  reportError(message: string): void {
    if (this.counters.lastError === message) return;
    this.counters.lastError = message;
    this.publishStats();
  }

  /** The failure reported as `message` is over (e.g. the disk works again): last_error clears, unless something newer replaced it. */
  clearError(message: string): void {
    if (this.counters.lastError !== message) return;
    this.counters.lastError = null;
    this.publishStats();
  }

  private onDump(dump: NodeDbDump): void {
    if (dump.kind === "handshake") this.emit("handshake");
    this.runs.delivered(dump);
  }

  private onStatus(status: RadioStatus): void {
    if (status.state !== "connected") this.scheduler.setReady(false);
    this.emit("radio", status);
    if (status.state === "connected") this.failedWhileAway = false;
    // No sync can run while the radio is away: stats say why (a sync clears it). A sync that
    // failed during this outage stays the last error: the reconnect loop's next disconnect
    // would otherwise replace what the user asked for ("Sync now") with the outage's reason.
    if (status.state === "disconnected" && status.reason !== "stopped" && status.reason !== "not started" && !this.failedWhileAway) {
      this.reportError(`radio disconnected: ${status.reason}`);
    }
  }

  private quietly<T>(change: () => T): T {
    this.quiet = true;
    try {
      return change();
    } finally {
      this.quiet = false;
    }
  }

  private settingChanged(): void {
    this.publishStats();
    this.emit("settings");
  }

  private publishStats(): void {
    this.emit("stats", this.stats());
  }
}
