// Home Assistant discovery, kept current: the bridge's entities, the per-node devices that
// `homeassistant.node_entities` selects (added and cleared as nodes come and go), and a full
// re-announcement whenever Home Assistant says it is online.
//
// Once per start: nothing in a config depends on the radio, so the configs offered at start
// (queued until the broker connects) are the ones Home Assistant keeps; the client's
// change-only ledger skips the offers that follow on the same connection. A new connection
// (broker restart) and Home Assistant's `online` send them all again.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import { buildDiscovery, type DiscoveryOptions } from "../mqtt/discovery.js";
import { deviceSlug } from "../mqtt/ha-device.js";
import { buildNodeDiscovery, nodeDiscoveryTopics, parseNodeObjectId, selectNodeEntities, type NodeEntitiesMode } from "../mqtt/node-discovery.js";
import { parseDiscoveryTopic } from "../mqtt/topics.js";

export interface HomeAssistantOptions {
  base: string;
  prefix: string;
  statusTopic: string;
  version: string;
  nodeEntities: NodeEntitiesMode;
  watch: readonly string[];
  /** `push.enabled`: per-node "Push key to radio" buttons. */
  push?: boolean;
}

export class HomeAssistantDiscovery {
  /** Node ids whose entity configs are published, with the name they were published under. */
  private readonly published = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;
  private readonly watched: ReadonlySet<string>;

  constructor(
    private readonly client: BridgeMqttClient,
    private readonly directory: KeyDirectory,
    private readonly opts: HomeAssistantOptions,
  ) {
    this.watched = new Set(opts.watch.map((id) => id.toLowerCase()));
  }

  start(): void {
    const status = this.client.subscribe(this.opts.statusTopic, (_topic, payload, { retain }) => {
      // A retained `online` handed over at subscribe is an old birth message, not a Home
      // Assistant start: the configs are being published anyway.
      if (retain) return;
      if (payload.toString("utf8").trim().toLowerCase() === "online") this.publishAll(true);
    });
    // Node entities a previous run left retained (the watch list, node_entities or push
    // changed since, or a node was forgotten) are cleared when the broker hands them to us.
    const filter = `${this.opts.prefix}/+/${deviceSlug(this.opts.base)}/+/config`;
    const leftovers = this.client.subscribe(filter, (topic, payload) => this.onRetainedNode(topic, payload), { ignoreOwn: true });
    this.unsubscribe = () => {
      status();
      leftovers();
    };
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Every config: at start, after a (re)connect, or forced when Home Assistant restarted. */
  publishAll(force = false): void {
    for (const message of buildDiscovery(this.discoveryOptions())) {
      this.client.publishRetained(message.topic, message.payload, { force });
    }
    // Re-offer every node entity: the client skips what this connection already carries,
    // and after a reconnect (or with force) sends them again.
    this.published.clear();
    this.syncNodes(force);
  }

  /**
   * One node appeared or changed: decide for that node alone (a first sync brings thousands
   * of these; recomputing the whole set each time made discovery O(N²)).
   */
  nodeChanged(view: NodeView): void {
    if (!this.wants(view.id)) return;
    if (this.published.get(view.id) === view.long_name) return;
    this.publishNode(view.id, view.long_name);
  }

  /**
   * forget: the node's entities go with it. Call before clearing `nodes/<id>`: an entity
   * still subscribed to it would render its templates on the empty payload.
   */
  nodeRemoved(id: string): void {
    if (!this.published.delete(id)) return;
    for (const topic of this.nodeTopics(id)) this.client.clearRetained(topic);
  }

  /** The whole set, from scratch: at start, after a reconnect, when Home Assistant restarts. */
  private syncNodes(force: boolean): void {
    const known = this.directory.list();
    const wanted = selectNodeEntities(this.opts.nodeEntities, this.opts.watch, known.map((v) => v.id));
    for (const view of known) if (wanted.has(view.id)) this.publishNode(view.id, view.long_name, force);
  }

  private onRetainedNode(topic: string, payload: Buffer): void {
    if (payload.length === 0) return;
    const node = parseNodeObjectId(parseDiscoveryTopic(this.opts.prefix, topic)?.objectId ?? "");
    if (node === null) return;
    const known = this.directory.view(Number.parseInt(node.id.slice(1), 16)) !== undefined;
    if (!known || !this.wants(node.id) || (node.push && this.opts.push !== true)) this.client.clearRetained(topic);
  }

  private wants(id: string): boolean {
    switch (this.opts.nodeEntities) {
      case "none":
        return false;
      case "all":
        return true;
      case "watched":
        return this.watched.has(id);
    }
  }

  private publishNode(id: string, longName: string, force = false): void {
    for (const message of buildNodeDiscovery(this.discoveryOptions(), { id, long_name: longName || null })) {
      this.client.publishRetained(message.topic, message.payload, { force });
    }
    this.published.set(id, longName);
  }

  /** The topics of the entities this configuration publishes for a node. */
  private nodeTopics(id: string): string[] {
    const [problem, fingerprint, push] = nodeDiscoveryTopics(this.opts, id) as [string, string, string];
    return this.opts.push === true ? [problem, fingerprint, push] : [problem, fingerprint];
  }

  private discoveryOptions(): DiscoveryOptions {
    return { base: this.opts.base, prefix: this.opts.prefix, version: this.opts.version, push: this.opts.push === true };
  }
}
