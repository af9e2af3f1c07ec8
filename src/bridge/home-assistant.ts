// Home Assistant discovery, kept current: the bridge's entities, the per-node entities that
// `homeassistant.node_entities` selects (added and cleared as nodes come and go), and a full
// re-announcement whenever Home Assistant says it is online.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import { buildDiscovery, type DiscoveryOptions } from "../mqtt/discovery.js";
import { deviceSlug } from "../mqtt/ha-device.js";
import { buildNodeDiscovery, nodeDiscoveryTopic, selectNodeEntities, type NodeEntitiesMode } from "../mqtt/node-discovery.js";
import { parseDiscoveryTopic } from "../mqtt/topics.js";

export interface HomeAssistantOptions {
  base: string;
  prefix: string;
  statusTopic: string;
  version: string;
  nodeEntities: NodeEntitiesMode;
  watch: readonly string[];
}

export class HomeAssistantDiscovery {
  /** Node ids whose entity config is published, with the name it was published under. */
  private readonly published = new Map<string, string>();
  private unsubscribe: (() => void) | null = null;
  private readonly watched: ReadonlySet<string>;

  constructor(
    private readonly client: BridgeMqttClient,
    private readonly directory: KeyDirectory,
    private readonly opts: HomeAssistantOptions,
    private readonly radioNodeId: () => string | null,
  ) {
    this.watched = new Set(opts.watch.map((id) => id.toLowerCase()));
  }

  start(): void {
    const status = this.client.subscribe(this.opts.statusTopic, (_topic, payload) => {
      if (payload.toString("utf8").trim().toLowerCase() === "online") this.publishAll(true);
    });
    // Node entities a previous run left retained (the watch list or node_entities changed
    // since, or a node was forgotten) are cleared when the broker hands them to us.
    const filter = `${this.opts.prefix}/binary_sensor/${deviceSlug(this.opts.base)}/+/config`;
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

  /** Every config: after a (re)connect, or forced when Home Assistant restarted. */
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

  /** forget: the node's entity goes with it. */
  nodeRemoved(id: string): void {
    if (!this.published.delete(id)) return;
    this.client.clearRetained(nodeDiscoveryTopic(this.discoveryOptions(), id));
  }

  /** The whole set, from scratch: at start, after a reconnect, when Home Assistant restarts. */
  private syncNodes(force: boolean): void {
    const known = this.directory.list();
    const wanted = selectNodeEntities(this.opts.nodeEntities, this.opts.watch, known.map((v) => v.id));
    for (const view of known) if (wanted.has(view.id)) this.publishNode(view.id, view.long_name, force);
  }

  private onRetainedNode(topic: string, payload: Buffer): void {
    if (payload.length === 0) return;
    const objectId = parseDiscoveryTopic(this.opts.prefix, topic)?.objectId ?? "";
    const num = /^node_([0-9a-f]{8})$/.exec(objectId)?.[1];
    if (num === undefined) return;
    const id = `!${num}`;
    const known = this.directory.view(Number.parseInt(num, 16)) !== undefined;
    if (!known || !this.wants(id)) this.client.clearRetained(topic);
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
    const message = buildNodeDiscovery(this.discoveryOptions(), { id, long_name: longName || null });
    this.client.publishRetained(message.topic, message.payload, { force });
    this.published.set(id, longName);
  }

  private discoveryOptions(): DiscoveryOptions {
    return { base: this.opts.base, prefix: this.opts.prefix, version: this.opts.version, radioNodeId: this.radioNodeId() };
  }
}
