// The mesh's MQTT uplink as a key source: envelopes in (the listening client), claims out
// (the directory, as `uplink:<gateway id>` observations). The thin shell around the pure
// steps: the one rate limit, the replay memory, decode.ts, and batching: claims that arrive
// in one turn of the event loop are one ingest per gateway, so a burst of thousands of
// envelopes is a few store writes, not thousands. Nothing here throws at the client.
import { EventEmitter } from "node:events";
import type { Observation, MergeCounts } from "../directory/merge.js";
import type { KeyPolicy } from "../directory/record.js";
import { listen } from "../lifecycle.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { ListeningClientEvents, ListeningClientHealth } from "../mqtt/listen-client.js";
import type { Clock } from "../timing/clock.js";
import { SlidingLimit } from "../timing/limit.js";
import type { ChannelKeys } from "./channels.js";
import { peekEnvelope, readPacket, type EnvelopeOutcome, type UplinkClaim } from "./decode.js";
import type { UplinkStats } from "../sync/stats.js";
import { emptyFigures, refusedTotal, uplinkStats, type UplinkFigures } from "./figures.js";
import { RecentPackets } from "./replays.js";

export type UplinkTrust = "claim" | "confirmed";
export type UplinkKeySource = `uplink:${string}`;

/** Where claims go: the directory's ingest (app.ts binds it; the trust rules for `uplink:*` are the directory's). */
export type UplinkSink = (observations: Observation[], source: UplinkKeySource, policy: KeyPolicy) => MergeCounts;

/** The listening client as the source uses it (mqtt/listen-client.ts). */
export interface UplinkConnection extends EventEmitter<ListeningClientEvents> {
  start(): void;
  stop(): Promise<void>;
  health(): ListeningClientHealth;
}

export interface UplinkSourceOptions {
  client: UplinkConnection;
  sink: UplinkSink;
  channels: ChannelKeys;
  /** uplink.max_per_minute: envelopes processed; the rest are counted and dropped unread. */
  maxPerMinute: number;
  /** sync.key_change, as for every other source. */
  keyChange: KeyPolicy;
  /**
   * uplink.trust. Held here and shown in bridge/health.uplink; what `confirmed` lets a claim
   * do is the directory's rule, and app.ts hands it there with the sink.
   */
  trust: UplinkTrust;
  /** The broker, already redacted, for bridge/health.uplink. */
  server: string;
  clock: Clock;
  log?: LogPort;
}

/** `bridge/health.uplink` (CONTRACT.md): the connection's state and the counters. */
export interface UplinkHealth extends ListeningClientHealth, UplinkFigures {
  server: string;
  trust: UplinkTrust;
  channels: string[];
  refused_total: number;
}

export interface UplinkSourceEvents {
  /** Figures or connection health changed (callers coalesce: this fires per envelope). */
  changed: [];
}

export class UplinkSource extends EventEmitter<UplinkSourceEvents> {
  private readonly log: LogPort;
  private readonly counts = emptyFigures();
  private readonly limit: SlidingLimit;
  private readonly recent = new RecentPackets();
  /** Claims waiting for this turn's ingest: per gateway, the latest per node. */
  private pending = new Map<string, Map<number, Observation>>();
  private flushScheduled: NodeJS.Immediate | null = null;
  private unlisten: (() => void) | null = null;

  constructor(private readonly opts: UplinkSourceOptions) {
    super();
    this.log = opts.log ?? silentLog;
    this.limit = new SlidingLimit(opts.maxPerMinute, 60_000);
  }

  start(): void {
    this.unlisten = listen<ListeningClientEvents>(this.opts.client, {
      message: (topic, payload) => this.receive(topic, payload),
      health: () => this.emit("changed"),
    });
    this.opts.client.start();
  }

  async stop(): Promise<void> {
    this.unlisten?.();
    this.unlisten = null;
    await this.opts.client.stop();
    // Claims already counted get their ingest rather than vanishing.
    this.flush();
  }

  figures(): UplinkFigures {
    return structuredClone(this.counts);
  }

  stats(): UplinkStats {
    return uplinkStats(this.counts);
  }

  health(): UplinkHealth {
    return { ...this.opts.client.health(), server: this.opts.server, trust: this.opts.trust, channels: this.opts.channels.names, ...this.figures(), refused_total: refusedTotal(this.counts) };
  }

  /** One envelope off the broker. Public for the bench's in-process rows. */
  receive(topic: string, payload: Uint8Array): void {
    this.counts.envelopes += 1;
    this.count(this.read(topic, payload));
    this.emit("changed");
  }

  private read(topic: string, payload: Uint8Array): EnvelopeOutcome | "rate_limited" | "replayed" {
    // First, before any parsing: a flood costs a counter per envelope beyond the limit.
    if (!this.limit.take(this.opts.clock.now())) return "rate_limited";
    const peek = peekEnvelope(topic, payload);
    if ("kind" in peek) return peek;
    if (!this.recent.admit(peek.packet.from, peek.packet.id)) return "replayed";
    return readPacket(peek, this.opts.channels);
  }

  private count(outcome: EnvelopeOutcome | "rate_limited" | "replayed"): void {
    const { counts } = this;
    if (typeof outcome === "string") {
      counts.refused[outcome] += 1;
      return;
    }
    if (outcome.kind === "refused") {
      counts.refused[outcome.reason] += 1;
      return;
    }
    if (outcome.decrypted) counts.decrypted += 1;
    if (outcome.kind === "skipped") counts.skipped[outcome.reason] += 1;
    else this.hold(outcome.claim);
  }

  private hold(claim: UplinkClaim): void {
    this.counts.claims += 1;
    const observation: Observation = { num: claim.num, key: claim.key, heardAt: Math.floor(this.opts.clock.now() / 1000) };
    if (claim.longName !== undefined) observation.longName = claim.longName;
    if (claim.shortName !== undefined) observation.shortName = claim.shortName;
    if (claim.signed === true) {
      observation.signed = true;
      this.counts.signed += 1;
    }
    let byNode = this.pending.get(claim.gateway);
    if (byNode === undefined) this.pending.set(claim.gateway, (byNode = new Map<number, Observation>()));
    byNode.set(claim.num, observation);
    // After the rest of this turn's messages: MQTT.js hands over a socket read's worth at once.
    this.flushScheduled ??= setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.flushScheduled !== null) clearImmediate(this.flushScheduled);
    this.flushScheduled = null;
    const batches = this.pending;
    if (batches.size === 0) return;
    this.pending = new Map();
    for (const [gateway, byNode] of batches) {
      try {
        const counts = this.opts.sink([...byNode.values()], `uplink:${gateway}`, this.opts.keyChange);
        this.counts.keys += counts.added + counts.updated;
      } catch (err) {
        // A boundary: the directory's failure is logged, and the next batch still goes in.
        this.log.error({ gateway, err: err instanceof Error ? err.message : String(err) }, "merging uplink keys failed");
      }
    }
    this.emit("changed");
  }
}
