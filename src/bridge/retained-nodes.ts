// Keeps the broker's retained `<base>/nodes/<id>` equal to the key directory: a copy that
// differs from what the bridge would publish (foreign, stale from an earlier run, forged) is
// corrected at once, and one for a node the directory does not know is cleared. Without
// this, the bridge publishing only on change would leave such a copy standing for good.
import type { NodeView } from "../directory/record.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import { parseNodeTopic, type BridgeTopics } from "../mqtt/topics.js";
import { nodeId, parseNodeId } from "../node-id.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { SlidingLimit } from "../timing/limit.js";

export interface RetainedNodesOptions {
  client: Pick<BridgeMqttClient, "subscribe" | "publishRetained" | "sentOnThisConnection">;
  topics: BridgeTopics;
  directory: { view(num: number): NodeView | undefined };
  clock?: Clock;
  log?: LogPort;
  /**
   * True while the bridge holds nodes/<id> back at start (mqtt-bridge.ts): a copy of a known
   * node is then left alone, since every known node is published when the hold ends.
   */
  held?: () => boolean;
}

/** Corrections per topic and minute: two writers on one topic must not become a loop at network speed. */
const CORRECTIONS_PER_MINUTE = 3;
const MAX_TRACKED_TOPICS = 10_000;

export class RetainedNodes {
  private off: (() => void) | null = null;
  private readonly limits = new Map<string, SlidingLimit>();
  private readonly warned = new Set<string>();
  private readonly log: LogPort;
  private readonly clock: Clock;

  constructor(private readonly opts: RetainedNodesOptions) {
    this.log = opts.log ?? silentLog;
    this.clock = opts.clock ?? systemClock;
  }

  start(): void {
    // ignoreOwn: our own publications coming back (MQTT 3.1.1 has no "no local") are no news.
    this.off ??= this.opts.client.subscribe(this.opts.topics.nodesFilter, (topic, payload, meta) => this.check(topic, payload, meta.retain), { ignoreOwn: true });
  }

  stop(): void {
    this.off?.();
    this.off = null;
  }

  private check(topic: string, payload: Buffer, retained: boolean): void {
    const id = parseNodeTopic(this.opts.topics.base, topic);
    if (id === null) return;
    const num = parseNodeId(id);
    // Only the exact spelling we publish is ours: "!A76F40DA" is some other topic.
    const view = num !== null && nodeId(num) === id ? this.opts.directory.view(num) : undefined;
    if (view === undefined) {
      if (payload.length > 0) this.correct(topic, "", retained, "the key directory has no such node");
      return;
    }
    if (this.opts.held?.() === true) return;
    const expected = JSON.stringify(view);
    if (payload.toString("utf8") === expected) return;
    // From the broker's store at subscribe time, while this connection already carries our
    // status: ours came after the subscription, so the broker holds ours by now.
    if (retained && this.opts.client.sentOnThisConnection(topic, expected)) return;
    this.correct(topic, expected, retained, "it differs from the key directory");
  }

  private correct(topic: string, text: string, retained: boolean, why: string): void {
    if (!this.limit(topic).take(this.clock.now())) {
      if (!this.warned.has(topic)) this.log.warn({ topic }, "someone keeps overwriting this node status; not correcting it again this minute (a second bridge on this base_topic?)");
      this.warned.add(topic);
      return;
    }
    this.warned.delete(topic);
    this.opts.client.publishRetained(topic, text, { force: true });
    // A live foreign publish is someone writing our topics; a stored one is mostly a leftover.
    const fields = { topic, why };
    const message = text === "" ? "cleared a retained node status" : "corrected a retained node status";
    if (retained) this.log.debug(fields, message);
    else this.log.info(fields, message);
  }

  private limit(topic: string): SlidingLimit {
    let limit = this.limits.get(topic);
    if (limit === undefined) {
      if (this.limits.size >= MAX_TRACKED_TOPICS) this.limits.clear();
      limit = new SlidingLimit(CORRECTIONS_PER_MINUTE, 60_000);
      this.limits.set(topic, limit);
    }
    return limit;
  }
}
