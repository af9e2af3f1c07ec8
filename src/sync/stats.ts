// The `sync/stats` payload (CONTRACT.md), built from the manager's counters, the scheduler,
// the directory's summary and the radio's NodeDB figures. Pure.
import type { DirectorySummary, KeyTotals } from "../directory/keys.js";

export interface SyncCounters {
  syncCount: number;
  /** Epoch ms of the last successful sync; null before the first. */
  lastSyncAt: number | null;
  lastDurationMs: number | null;
  lastError: string | null;
}

/** NodeDB health from the radio's complete dumps (radio-nodes.ts). */
export interface RadioNodeFigures {
  /** Nodes in the radio's last complete dump, its own included; null before the first of this run. */
  radio_nodes: number | null;
  /** Nodes seen leaving the radio's NodeDB since start. */
  nodes_evicted: number;
}

export interface SyncStats extends DirectorySummary, RadioNodeFigures, Partial<UplinkStats> {
  sync_count: number;
  keys_added: number;
  keys_updated: number;
  last_sync: number | null;
  last_sync_iso: string | null;
  last_duration_ms: number | null;
  last_error: string | null;
  running: boolean;
  syncing: boolean;
  enabled: boolean;
  interval: number;
  next_sync: number | null;
  /** Clients of the API server connected now (0 with api_server off). */
  api_clients: number;
  /** Packets waiting for the radio's per-port send limits (the bridge's and the API clients'). */
  send_queue: number;
}

/** The mesh uplink's figures (CONTRACT.md `uplink_*`), present with uplink.enabled (uplink/figures.ts). */
export interface UplinkStats {
  /** Envelopes received on the uplink's topics. */
  uplink_envelopes: number;
  /** Channel packets the uplink decrypted. */
  uplink_decrypted: number;
  /** Keys the directory took from the uplink (added or changed). */
  uplink_keys: number;
  /** Envelopes dropped: malformed, undecryptable, oversize, over max_per_minute, replayed. */
  uplink_refused: number;
}

export interface SchedulerView {
  running: boolean;
  enabled: boolean;
  intervalSec: number;
  nextSyncAt: number | null;
}

/** `keys`: the directory counts every source's keys (dumps, packets, other gateways). */
export function buildStats(counters: SyncCounters, scheduler: SchedulerView, started: boolean, summary: DirectorySummary, keys: KeyTotals, radio: RadioNodeFigures, apiClients = 0, sendQueue = 0, uplink: UplinkStats | null = null): SyncStats {
  return {
    sync_count: counters.syncCount,
    keys_added: keys.added,
    keys_updated: keys.updated,
    last_sync: counters.lastSyncAt === null ? null : Math.floor(counters.lastSyncAt / 1000),
    last_sync_iso: counters.lastSyncAt === null ? null : new Date(counters.lastSyncAt).toISOString(),
    last_duration_ms: counters.lastDurationMs === null ? null : Math.round(counters.lastDurationMs),
    last_error: counters.lastError,
    running: started,
    syncing: scheduler.running,
    enabled: scheduler.enabled,
    interval: scheduler.intervalSec,
    next_sync: scheduler.nextSyncAt === null ? null : Math.floor(scheduler.nextSyncAt / 1000),
    ...summary,
    radio_nodes: radio.radio_nodes,
    nodes_evicted: radio.nodes_evicted,
    api_clients: apiClients,
    send_queue: sendQueue,
    ...uplink,
  };
}

/** `sync/last`: the time of the last sync, which exists only once there has been one. */
export interface LastSync {
  last_sync: number;
  last_sync_iso: string;
}

export function lastSyncOf(stats: SyncStats): LastSync | null {
  if (stats.last_sync === null || stats.last_sync_iso === null) return null;
  return { last_sync: stats.last_sync, last_sync_iso: stats.last_sync_iso };
}
