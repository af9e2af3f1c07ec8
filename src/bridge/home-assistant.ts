// Home Assistant discovery, kept current: the bridge's entities, the per-node devices that
// `homeassistant.node_entities` selects (added and cleared as nodes come and go), and a full
// re-announcement whenever Home Assistant says it is online.
//
// Once per start: nothing in a config depends on the radio, so the configs offered at start
// (queued until the broker connects) are the ones Home Assistant keeps; the client's
// change-only ledger skips the offers that follow on the same connection. A new connection
// (broker restart) and Home Assistant's `online` send them all again.
//
// The one exception: a node's "Push key to radio" button exists only for a node with a key
// that is not the radio's own, and the own node is known only once the radio answers. Until
// then push buttons are withheld (those a previous run left retained stay); at the handshake
// they are offered, each once per start as before.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import { buildDiscovery, type DiscoveryOptions } from "../mqtt/discovery.js";
import { deviceSlug } from "../mqtt/ha-device.js";
import { silentLog, type LogPort } from "../log-port.js";
import { buildNodeDiscovery, nodeDiscoveryTopics, nodePushTopic, parseNodeObjectId, selectNodeEntities, type NodeEntitiesMode } from "../mqtt/node-discovery.js";
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
  /** `uplink.enabled`: the uplink's diagnostic sensor. */
  uplink?: boolean;
  /** The radio's own node id ("!a76f40da"), null until the radio answered: it gets no push button. */
  ownNode?: () => string | null;
  log?: LogPort;
}

export class HomeAssistantDiscovery {
  /** Node ids whose entity configs are published, with what they were published for (name, push button). */
  private readonly published = new Map<string, string>();
  /** Nodes whose push button config exists (we published it, or a previous run left it retained). */
  private readonly pushConfigs = new Set<string>();
  private readonly log: LogPort;
  private ownId: string | null = null;
  private watchReported = false;
  private unsubscribe: (() => void) | null = null;
  private readonly watched: ReadonlySet<string>;

  constructor(
    private readonly client: BridgeMqttClient,
    private readonly directory: KeyDirectory,
    private readonly opts: HomeAssistantOptions,
  ) {
    this.watched = new Set(opts.watch.map((id) => id.toLowerCase()));
    this.log = opts.log ?? silentLog;
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
    if (this.published.get(view.id) === this.signature(view)) return;
    this.publishNode(view);
  }

  /**
   * The radio answered (every handshake): its own node loses a push button it had, and the
   * push buttons withheld until now are offered.
   */
  radioIdentified(): void {
    const own = this.opts.ownNode?.() ?? null;
    if (own === null || own === this.ownId) return;
    this.ownId = own;
    if (this.opts.push !== true) return;
    if (this.pushConfigs.delete(own)) this.client.clearRetained(nodePushTopic(this.opts, own));
    this.syncNodes(false);
  }

  /**
   * Once, after the first sync: a watch entry the directory does not know gets no entities
   * (there is no state to show); say so rather than skip it silently.
   */
  reportUnknownWatch(): void {
    if (this.watchReported || this.opts.nodeEntities !== "watched") return;
    this.watchReported = true;
    const known = new Set(this.directory.list().map((v) => v.id));
    for (const id of this.watched) {
      if (!known.has(id)) this.log.warn({ id }, `homeassistant.watch: ${id} is not in the key directory; it gets entities once the radio or the mesh reports it`);
    }
  }

  /**
   * forget: the node's entities go with it. Call before clearing `nodes/<id>`: an entity
   * still subscribed to it would render its templates on the empty payload.
   */
  nodeRemoved(id: string): void {
    if (!this.published.delete(id)) return;
    for (const topic of this.nodeTopics(id)) this.client.clearRetained(topic);
    this.pushConfigs.delete(id);
  }

  /** The whole set, from scratch: at start, after a reconnect, when Home Assistant restarts. */
  private syncNodes(force: boolean): void {
    const known = this.directory.list();
    const wanted = selectNodeEntities(this.opts.nodeEntities, this.opts.watch, known.map((v) => v.id));
    for (const view of known) if (wanted.has(view.id)) this.publishNode(view, force);
  }

  private onRetainedNode(topic: string, payload: Buffer): void {
    if (payload.length === 0) return;
    const node = parseNodeObjectId(parseDiscoveryTopic(this.opts.prefix, topic)?.objectId ?? "");
    if (node === null) return;
    const view = this.directory.view(Number.parseInt(node.id.slice(1), 16));
    // A push button waiting for the radio's answer is kept; one it will not get is cleared.
    const noPush = node.push && (this.opts.push !== true || !view?.has_key || node.id === this.ownId);
    if (view === undefined || !this.wants(node.id) || noPush) this.client.clearRetained(topic);
    else if (node.push) this.pushConfigs.add(node.id);
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

  private publishNode(view: NodeView, force = false): void {
    const pushable = this.pushable(view);
    for (const message of buildNodeDiscovery(this.discoveryOptions(), { id: view.id, long_name: view.long_name || null, pushable })) {
      this.client.publishRetained(message.topic, message.payload, { force });
    }
    if (pushable) this.pushConfigs.add(view.id);
    this.published.set(view.id, this.signature(view));
  }

  /** The push button needs a key to push and a known own node (which never gets one). */
  private pushable(view: NodeView): boolean {
    return this.opts.push === true && view.has_key && this.ownId !== null && view.id !== this.ownId;
  }

  /** What a node's configs depend on: its name and whether it has a push button. */
  private signature(view: NodeView): string {
    return `${this.pushable(view) ? "push" : "-"}:${view.long_name}`;
  }

  /** The topics of the entities this configuration publishes for a node. */
  private nodeTopics(id: string): string[] {
    const push = nodePushTopic(this.opts, id);
    return nodeDiscoveryTopics(this.opts, id).filter((topic) => topic !== push || this.pushConfigs.has(id));
  }

  private discoveryOptions(): DiscoveryOptions {
    return { base: this.opts.base, prefix: this.opts.prefix, version: this.opts.version, push: this.opts.push === true, uplink: this.opts.uplink === true };
  }
}
