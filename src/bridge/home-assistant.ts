// Home Assistant discovery, kept current: the bridge's entities, the per-node entities that
// `homeassistant.node_entities` selects (added and cleared as nodes come and go), and a full
// re-announcement whenever Home Assistant says it is online.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import { buildDiscovery, type DiscoveryOptions } from "../mqtt/discovery.js";
import { buildNodeDiscovery, diffNodeEntities, nodeDiscoveryTopic, selectNodeEntities, type NodeEntitiesMode } from "../mqtt/node-discovery.js";

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

  constructor(
    private readonly client: BridgeMqttClient,
    private readonly directory: KeyDirectory,
    private readonly opts: HomeAssistantOptions,
    private readonly radioNodeId: () => string | null,
  ) {}

  start(): void {
    this.unsubscribe = this.client.subscribe(this.opts.statusTopic, (_topic, payload) => {
      if (payload.toString("utf8").trim().toLowerCase() === "online") this.publishAll(true);
    });
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
    if (force) this.published.clear();
    this.syncNodes();
  }

  /** A node appeared, changed or left: add, rename or clear its entity as the mode says. */
  nodeChanged(view?: NodeView): void {
    if (view && this.published.has(view.id) && this.published.get(view.id) !== view.long_name) {
      this.published.delete(view.id);
    }
    this.syncNodes();
  }

  private syncNodes(): void {
    const known = this.directory.list();
    const wanted = selectNodeEntities(this.opts.nodeEntities, this.opts.watch, known.map((v) => v.id));
    const { publish, clear } = diffNodeEntities(new Set(this.published.keys()), wanted);
    const names = new Map(known.map((v) => [v.id, v.long_name]));
    const opts = this.discoveryOptions();
    for (const id of clear) {
      this.client.clearRetained(nodeDiscoveryTopic(opts, id));
      this.published.delete(id);
    }
    for (const id of publish) {
      const message = buildNodeDiscovery(opts, { id, long_name: names.get(id) ?? null });
      this.client.publishRetained(message.topic, message.payload, { force: true });
      this.published.set(id, names.get(id) ?? "");
    }
  }

  private discoveryOptions(): DiscoveryOptions {
    return { base: this.opts.base, prefix: this.opts.prefix, version: this.opts.version, radioNodeId: this.radioNodeId() };
  }
}
