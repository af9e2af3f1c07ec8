// The few figures no read model keeps, observed as they happen: each sync's duration, failed
// syncs, radio reconnects, each packet's wait in the pacer, each store write. Every handler is
// a counter increment or a histogram observation: nothing here sits on a hot path's cost.
import type { StoreEvents } from "../directory/store.js";
import { listen } from "../lifecycle.js";
import type { RadioEvents } from "../radio/link.js";
import type { ManagerEvents } from "../sync/manager.js";
import type { SyncStats } from "../sync/stats.js";
import type { EventEmitter } from "node:events";
import type { MetricFamilies } from "./families.js";

export interface FeedSources {
  radio: EventEmitter<RadioEvents>;
  manager: EventEmitter<ManagerEvents>;
  store: EventEmitter<StoreEvents>;
}

export class MetricsFeed {
  private offs: (() => void)[] = [];
  private syncsSeen: number | null = null;
  private radioConnects = 0;
  private journal: number | null = null;
  private lastStats: SyncStats | null = null;

  constructor(
    private readonly families: MetricFamilies,
    private readonly sources: FeedSources,
  ) {}

  /**
   * The last sync/stats the manager published: what MQTT shows, without walking the
   * directory again on every scrape (the manager publishes on every change of its figures).
   */
  get stats(): SyncStats | null {
    return this.lastStats;
  }

  get journalBytes(): number | null {
    return this.journal;
  }

  start(): void {
    const f = this.families;
    this.offs.push(
      listen<ManagerEvents>(this.sources.manager, {
        // sync/stats goes out after every sync: a new sync_count carries its duration.
        stats: (stats) => {
          this.lastStats = stats;
          const fresh = this.syncsSeen !== null && stats.sync_count > this.syncsSeen;
          if ((fresh || (this.syncsSeen === null && stats.sync_count > 0)) && stats.last_duration_ms !== null) f.syncDuration.observe(stats.last_duration_ms / 1000);
          this.syncsSeen = stats.sync_count;
        },
        event: (event) => {
          if (event.type === "sync_failed") f.syncFailures.inc();
        },
      }),
      listen<RadioEvents>(this.sources.radio, {
        status: (status) => {
          if (status.state !== "connected") return;
          this.radioConnects += 1;
          if (this.radioConnects > 1) f.radioReconnects.inc();
        },
        written: ({ waitedMs, client }) => f.sendWaited.observe({ owner: client ? "client" : "bridge" }, waitedMs / 1000),
      }),
      listen<StoreEvents>(this.sources.store, {
        written: (write) => {
          // Older emitters (tests' fakes) send nothing: only a real figure is observed.
          if (!write) return;
          f.storeWrite.observe(write.ms / 1000);
          this.journal = write.journalBytes;
        },
        writeFailed: () => f.storeFailures.inc(),
      }),
    );
  }

  stop(): void {
    for (const off of this.offs.splice(0)) off();
    this.lastStats = null;
  }
}
