// The metrics part as app.ts starts it: the families over the read models, the feed of what
// happens, and the HTTP listener. Started before the radio, so the first connection and sync
// are seen; stopped after it, so a scrape during the stop still answers.
import type { LogPort } from "../log-port.js";
import { MetricFamilies, type MetricsReadModels } from "./families.js";
import { MetricsFeed, type FeedSources } from "./feed.js";
import { healthOf } from "./health-check.js";
import { MetricsServer } from "./server.js";

export interface MetricsOptions {
  host: string;
  port: number;
  /** The read models, except the journal size, which the feed keeps from the store's writes. */
  models: Omit<MetricsReadModels, "journalBytes">;
  sources: FeedSources;
  log: LogPort;
}

export class Metrics {
  private readonly families: MetricFamilies;
  private readonly feed: MetricsFeed;
  private readonly server: MetricsServer;

  constructor(opts: MetricsOptions) {
    const { models } = opts;
    this.families = new MetricFamilies({ ...models, journalBytes: () => this.feed.journalBytes });
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
    try {
      await this.server.start();
    } catch (err) {
      this.feed.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    this.feed.stop();
  }
}
