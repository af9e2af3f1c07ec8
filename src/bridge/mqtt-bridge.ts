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
import type { HomeAssistantDiscovery } from "./home-assistant.js";

export interface MqttBridgeOptions {
  client: BridgeMqttClient;
  topics: BridgeTopics;
  engine: Engine;
  directory: KeyDirectory;
  /** The `bridge/info` payload, rebuilt when the radio's identity becomes known and when a setting changes. */
  info: () => object;
  homeAssistant: HomeAssistantDiscovery | null;
  log?: LogPort;
}

export class MqttBridge {
  private readonly log: LogPort;
  private unlisten: (() => void)[] = [];

  constructor(private readonly opts: MqttBridgeOptions) {
    this.log = opts.log ?? silentLog;
  }

  start(): void {
    const { engine, directory, client, topics, homeAssistant } = this.opts;
    const publishEvent = (event: BridgeEvent): void => void client.publish(topics.bridgeEvent, event);
    this.unlisten = [
      listen<ManagerEvents>(engine.manager, {
        stats: (stats) => {
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
          client.publishRetained(topics.node(view.id), view);
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
  }

  stop(): void {
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
    for (const view of directory.list()) client.publishRetained(topics.node(view.id), view);
    this.opts.homeAssistant?.publishAll();
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
