// The MQTT face of the bridge: publishes what changed (stats, per-node status, radio state,
// events) and answers `bridge/request/<command>`. Data flows one way: the engine and the
// directory emit, this publishes; commands come in here and go out as calls on the engine.
import type { DirectoryEvents, KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import { listen } from "../lifecycle.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeMqttClient, ClientEvents } from "../mqtt/client.js";
import { handleRequest } from "../mqtt/commands.js";
import { lastCommandOf } from "../mqtt/last-command.js";
import { parseRequestTopic, type BridgeTopics } from "../mqtt/topics.js";
import type { Engine } from "../sync/engine.js";
import { CommandRefused } from "../sync/errors.js";
import type { BridgeEvent } from "../sync/events.js";
import type { ManagerEvents } from "../sync/manager.js";
import { lastSyncOf, type SyncStats } from "../sync/stats.js";
import { systemClock, type Clock } from "../timing/clock.js";
import type { HomeAssistantDiscovery } from "./home-assistant.js";

/** Longest the nodes/<id> wait at start for the radio's first dump (a radio that never answers). */
export const NODE_HOLD_CEILING_MS = 60_000;

export interface MqttBridgeOptions {
  client: BridgeMqttClient;
  topics: BridgeTopics;
  engine: Engine;
  directory: KeyDirectory;
  /** The `bridge/info` payload, rebuilt when the radio's identity becomes known and when a setting changes. */
  info: () => object;
  homeAssistant: HomeAssistantDiscovery | null;
  log?: LogPort;
  /** The node hold's ceiling runs on it. */
  clock?: Clock;
  nodeHoldCeilingMs?: number;
}

export class MqttBridge {
  private readonly log: LogPort;
  private unlisten: (() => void)[] = [];
  /**
   * At start every stored node's key_source is "store", and the first dump turns each into
   * "nodedb": published at once, every nodes/<id> went out twice per start (100,000 messages
   * at 50,000 nodes). So the nodes wait for the first sync to end (or fail, or the ceiling).
   * Retained copies from the last run stay on the broker meanwhile.
   */
  private holdingNodes = true;
  private readonly hold = new AbortController();

  constructor(private readonly opts: MqttBridgeOptions) {
    this.log = opts.log ?? silentLog;
  }

  start(): void {
    const { engine, directory, client, topics, homeAssistant } = this.opts;
    const publishEvent = (event: BridgeEvent): void => void client.publish(topics.bridgeEvent, event);
    this.unlisten = [
      listen<ManagerEvents>(engine.manager, {
        stats: (stats) => {
          // Before the figures: whoever sees this sync's stats has every node's status already.
          if (stats.sync_count > 0 || stats.last_error !== null) this.releaseNodes();
          this.publishStats(stats);
          // Once a sync is in (and announced): watch entries it did not bring are named in the log.
          if (stats.sync_count > 0) homeAssistant?.reportUnknownWatch();
        },
        event: publishEvent,
        radio: (status) => client.publishRetained(topics.radioState, status),
        // The handshake tells us the radio's node number and firmware: bridge/info shows them
        // (Home Assistant's discovery does not, so it is not sent a second time).
        // The own node is known now: it gets no push button, other nodes' buttons are offered.
        handshake: () => {
          client.publishRetained(topics.bridgeInfo, this.opts.info());
          homeAssistant?.radioIdentified();
        },
        settings: () => client.publishRetained(topics.bridgeInfo, this.opts.info()),
      }),
      listen<DirectoryEvents>(directory, {
        event: publishEvent,
        nodeChanged: (view: NodeView) => {
          if (!this.holdingNodes) client.publishRetained(topics.node(view.id), view);
          homeAssistant?.nodeChanged(view);
        },
        // Discovery first: an entity still subscribed to nodes/<id> would render its
        // templates on the empty clear (Home Assistant logs an error for each).
        nodeRemoved: ({ id }) => {
          homeAssistant?.nodeRemoved(id);
          client.clearRetained(topics.node(id));
        },
      }),
      // The current retained state after every (re)connect.
      listen<ClientEvents>(client, { connect: () => this.republish() }),
      client.subscribe(topics.requestFilter, (topic, payload) => this.onRequest(topic, payload)),
    ];
    homeAssistant?.start();
    this.republish();
    const { clock = systemClock, nodeHoldCeilingMs = NODE_HOLD_CEILING_MS } = this.opts;
    void clock.sleep(nodeHoldCeilingMs, this.hold.signal).then(() => this.releaseNodes());
  }

  /** True while nodes/<id> wait for the first sync (RetainedNodes leaves known nodes alone meanwhile). */
  get nodesHeld(): boolean {
    return this.holdingNodes;
  }

  stop(): void {
    this.hold.abort();
    for (const off of this.unlisten.splice(0)) off();
    this.opts.homeAssistant?.stop();
  }

  /** bridge/info changed outside the handshake (the API server's clients): published again. */
  infoChanged(): void {
    this.opts.client.publishRetained(this.opts.topics.bridgeInfo, this.opts.info());
  }

  /**
   * The current retained state, not a backlog: on start and after every (re)connect. The
   * client skips what this connection already carries.
   */
  republish(): void {
    const { client, topics, engine, directory } = this.opts;
    client.publishRetained(topics.bridgeInfo, this.opts.info());
    client.publishRetained(topics.radioState, engine.manager.radioStatus);
    this.publishStats(engine.manager.stats());
    if (!this.holdingNodes) for (const view of directory.list()) client.publishRetained(topics.node(view.id), view);
    this.opts.homeAssistant?.publishAll();
  }

  private releaseNodes(): void {
    // After stop() (no listeners left) nothing is published.
    if (!this.holdingNodes || this.unlisten.length === 0) return;
    this.holdingNodes = false;
    this.hold.abort();
    const { client, topics, directory } = this.opts;
    for (const view of directory.list()) client.publishRetained(topics.node(view.id), view);
  }

  /** sync/stats, and sync/last once there has been a sync (never a null for a timestamp). */
  private publishStats(stats: SyncStats): void {
    const { client, topics } = this.opts;
    client.publishRetained(topics.syncStats, stats);
    const last = lastSyncOf(stats);
    if (last !== null) client.publishRetained(topics.syncLast, last);
  }

  private async onRequest(topic: string, payload: Buffer): Promise<void> {
    const command = parseRequestTopic(this.opts.topics.base, topic);
    if (command === null || command.length === 0) return;
    const response = await handleRequest(command, payload, this.opts.engine, {
      onError: (error) => {
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof CommandRefused) this.log.info({ command }, `request ${command}: ${message}`);
        else this.log.warn({ command, err: message }, `request ${command} failed`);
      },
    });
    this.opts.client.publish(this.opts.topics.response(command), response);
    this.opts.client.publishRetained(this.opts.topics.lastCommand, lastCommandOf(command, payload, response));
  }
}
