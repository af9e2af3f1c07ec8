// The metrics part as app.ts starts it: the families over the read models, the feed of what
// happens, and the HTTP listener. Started before the radio, so the first connection and sync
// are seen; stopped after it, so a scrape during the stop still answers.
import type { LogPort } from "../log-port.js";
import { MetricFamilies, type MetricsReadModels } from "./families.js";
import { MetricsFeed, type FeedSources } from "./feed.js";
import { healthOf } from "./health-check.js";
import { MetricsServer } from "./server.js";
import { StatusCounts, type StatusSource } from "./status-counts.js";

export interface MetricsOptions {
  host: string;
  port: number;
  /** The read models, except the journal size, which the feed keeps from the store's writes, and the status counts. */
  models: Omit<MetricsReadModels, "journalBytes" | "statusCounts">;
  sources: FeedSources;
  directory: StatusSource;
  log: LogPort;
}

export class Metrics {
  private readonly families: MetricFamilies;
  private readonly feed: MetricsFeed;
  private readonly server: MetricsServer;
  private readonly statuses: StatusCounts;

  constructor(opts: MetricsOptions) {
    const { models } = opts;
    this.statuses = new StatusCounts(opts.directory);
    this.families = new MetricFamilies({
      ...models,
      stats: () => this.feed.stats ?? models.stats(),
      journalBytes: () => this.feed.journalBytes,
      statusCounts: () => this.statuses.get(),
    });
    this.feed = new MetricsFeed(this.families, opts.sources);
    this.server = new MetricsServer({
      host: opts.host,
      port: opts.port,
      scrape: () => this.families.scrape(),
      contentType: this.families.contentType,
      health: () => healthOf({ radio: models.radio(), mqttConnected: models.mqttConnected() }),
      log: opts.log,
    });
  }

  /** `host:port` once listening. */
  get address(): string | null {
    const bound = this.server.address;
    return bound ? `${bound.host}:${bound.port}` : null;
  }

  async start(): Promise<void> {
    this.feed.start();
    this.statuses.start();
    try {
      await this.server.start();
    } catch (err) {
      this.statuses.stop();
      this.feed.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    this.statuses.stop();
    this.feed.stop();
  }
}
