// Every metric family we export, over one prom-client registry. Gauges and counters whose
// figure a read model already keeps (sync/stats, the directory's announced records, the MQTT
// health, the pusher's figures) are filled when scraped, from one snapshot per scrape; only
// what no read model keeps (durations, waits, failures as they happen) is observed by feed.ts.
// Labels come from fixed sets (a status, an allowance, an owner kind): never a node id.
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { NodeStatus } from "../directory/record.js";
import type { RadioStatus } from "../radio/link.js";
import type { PushFigures } from "../sync/push.js";
import type { SyncStats } from "../sync/stats.js";

export const PREFIX = "meshtastic_keysync_";

/** The read models a scrape reads; the same the MQTT side publishes. */
export interface MetricsReadModels {
  /** sync/stats; any numeric `uplink_*` figure in it is exported as `uplink{figure}`. */
  stats(): SyncStats;
  /** The directory's nodes by status, as last announced (status-counts.ts). */
  statusCounts(): ReadonlyMap<NodeStatus, number>;
  radio(): RadioStatus;
  mqttConnected(): boolean;
  /** The last bridge/health snapshot (its `mqtt`, and `uplink` once that part exists); null before the first. */
  health(): Readonly<Record<string, unknown>> | null;
  pushes(): PushFigures;
  /** The journal's size after the last write; null before the first (or with store.path null). */
  journalBytes(): number | null;
  version: string;
}

/** Each status always gets a sample, 0 included, so a panel never shows "no data" for an empty one. */
const STATUSES: readonly NodeStatus[] = ["ok", "missing", "weak", "duplicate", "changed", "radio_stale"];

interface Snapshot {
  stats: SyncStats;
  byStatus: ReadonlyMap<NodeStatus, number>;
  health: Readonly<Record<string, unknown>> | null;
  pushes: PushFigures;
}

export class MetricFamilies {
  readonly registry = new Registry();
  private current: Snapshot | null = null;

  readonly syncDuration = this.histogram("sync_duration_seconds", "Duration of each successful sync (NodeDB read and merge)", [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120]);
  readonly syncFailures = this.counter("sync_failures_total", "Syncs that failed (sync_failed events)");
  readonly radioReconnects = this.counter("radio_reconnects_total", "Radio link connections made again after the first");
  readonly sendWaited = this.histogram("send_waited_seconds", "Time each packet to the mesh waited for the firmware's send limits in the pacer", [0.001, 0.1, 0.5, 1, 2, 5, 10, 30, 60], ["owner"]);
  readonly storeWrite = this.histogram("store_write_duration_seconds", "Duration of each durable key store write (journal append or compaction, fsync included)", [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5]);
  readonly storeFailures = this.counter("store_write_failures_total", "Key store writes that failed (and are retried)");

  constructor(private readonly models: MetricsReadModels) {
    const s = (): Snapshot => this.snapshot();
    this.collected("syncs_total", "Successful syncs since start", "counter", [], (set) => set({}, s().stats.sync_count));
    this.collected("last_sync_timestamp_seconds", "Time of the last successful sync (0 before the first)", "gauge", [], (set) => set({}, s().stats.last_sync ?? 0));
    this.collected("keys", "Nodes of the key directory by status", "gauge", ["status"], (set) => {
      for (const status of STATUSES) set({ status }, s().byStatus.get(status) ?? 0);
    });
    this.collected("keys_learned_total", "Keys learned since start: added (node had none) or updated (changed key taken)", "counter", ["kind"], (set) => {
      set({ kind: "added" }, s().stats.keys_added);
      set({ kind: "updated" }, s().stats.keys_updated);
    });
    this.collected("nodes", "Nodes: in the directory, in the radio's last complete NodeDB dump, only in the directory", "gauge", ["where"], (set) => {
      const { stats } = s();
      set({ where: "directory" }, stats.nodes_total);
      if (stats.radio_nodes !== null) set({ where: "radio" }, stats.radio_nodes);
      set({ where: "directory_only" }, stats.nodes_only_in_directory);
    });
    this.collected("nodes_evicted_total", "Nodes seen leaving the radio's NodeDB since start", "counter", [], (set) => set({}, s().stats.nodes_evicted));
    this.collected("radio_connected", "1 while the radio link is connected", "gauge", [], (set) => set({}, this.models.radio().state === "connected" ? 1 : 0));
    this.collected("mqtt_connected", "1 while the MQTT client is connected", "gauge", [], (set) => set({}, this.models.mqttConnected() ? 1 : 0));
    this.collected("mqtt_reconnects_total", "MQTT connections made again after a lost one", "counter", [], (set) => set({}, mqttReconnects(s().health)));
    this.collected("api_clients", "Meshtastic API clients connected now", "gauge", [], (set) => set({}, s().stats.api_clients));
    this.collected("send_queue", "Packets waiting for the radio's per-port send limits now", "gauge", [], (set) => set({}, s().stats.send_queue));
    this.collected("pushes_total", "add_contact pushes since start by outcome (sent: ACKed; refused) and allowance (bridge, clients)", "counter", ["outcome", "budget"], (set) => {
      const { pushes } = s();
      for (const budget of ["bridge", "clients"] as const) {
        set({ outcome: "sent", budget }, pushes.sent[budget]);
        set({ outcome: "refused", budget }, pushes.refused[budget]);
      }
    });
    this.collected("push_budget_remaining", "Pushes each allowance may still make within push.max_per_hour", "gauge", ["budget"], (set) => {
      const { left } = s().pushes;
      set({ budget: "bridge" }, left.bridge);
      set({ budget: "clients" }, left.clients);
    });
    this.collected("store_journal_bytes", "Size of the key store's journal after the last write", "gauge", [], (set) => set({}, this.models.journalBytes() ?? 0));
    this.collected("uplink", "The MQTT uplink's figures (sync/stats uplink_*, bridge/health uplink) when the uplink is enabled", "gauge", ["figure"], (set) => {
      for (const [figure, value] of uplinkFigures(s())) set({ figure }, value);
    });
    this.collected("info", "Always 1; the version as a label", "gauge", ["version"], (set) => set({ version: this.models.version }, 1));
  }

  /** The exposition text: one snapshot of the read models for the whole scrape. */
  async scrape(): Promise<string> {
    this.current = null;
    try {
      return await this.registry.metrics();
    } finally {
      this.current = null;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private snapshot(): Snapshot {
    if (this.current) return this.current;
    this.current = { stats: this.models.stats(), byStatus: this.models.statusCounts(), health: this.models.health(), pushes: this.models.pushes() };
    return this.current;
  }

  /** A family filled at scrape time: `fill` sets every sample it has now; the rest are dropped. */
  private collected(name: string, help: string, type: "gauge" | "counter", labelNames: string[], fill: (set: (labels: Record<string, string>, value: number) => void) => void): void {
    const registers = [this.registry];
    if (type === "gauge") {
      new Gauge({ name: PREFIX + name, help, labelNames, registers, collect() {
        this.reset();
        fill((labels, value) => this.set(labels, value));
      } });
      return;
    }
    new Counter({ name: PREFIX + name, help, labelNames, registers, collect() {
      this.reset();
      // A counter only goes up: the read model's running total is its value.
      fill((labels, value) => this.inc(labels, value));
    } });
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name: PREFIX + name, help, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: L[] = []): Histogram<L> {
    return new Histogram<L>({ name: PREFIX + name, help, buckets, labelNames, registers: [this.registry] });
  }
}

function mqttReconnects(health: Readonly<Record<string, unknown>> | null): number {
  const mqtt = health?.mqtt as { reconnects?: unknown } | undefined;
  return typeof mqtt?.reconnects === "number" ? mqtt.reconnects : 0;
}

/**
 * Read defensively: the uplink's fields are another part's, so whatever numeric (or boolean)
 * figures it puts into sync/stats (`uplink_*`) and bridge/health (`uplink`) appear as they come.
 */
function uplinkFigures({ stats, health }: Snapshot): [string, number][] {
  const out: [string, number][] = [];
  for (const [key, value] of Object.entries(stats)) {
    if (key.startsWith("uplink_") && typeof value === "number" && Number.isFinite(value)) out.push([key.slice("uplink_".length), value]);
  }
  const uplink = health?.uplink;
  if (uplink && typeof uplink === "object") {
    for (const [key, value] of Object.entries(uplink as Record<string, unknown>)) {
      if (typeof value === "number" && Number.isFinite(value)) out.push([`health_${key}`, value]);
      else if (typeof value === "boolean") out.push([`health_${key}`, value ? 1 : 0]);
    }
  }
  return out;
}
