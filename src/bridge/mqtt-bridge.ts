// The MQTT face of the bridge: publishes what changed (stats, per-node status, radio state,
// events) and answers `bridge/request/<command>`. Data flows one way: the sync side emits,
// this publishes; commands come in here and go out as calls on the manager.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeView } from "../directory/record.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import { handleRequest, type CommandHandlers } from "../mqtt/commands.js";
import { parseRequestTopic, type BridgeTopics } from "../mqtt/topics.js";
import type { Radio, RadioStatus } from "../radio/link.js";
import type { BridgeEvent } from "../sync/events.js";
import type { KeySyncManager } from "../sync/manager.js";
import type { SyncStats } from "../sync/stats.js";
import type { HomeAssistantDiscovery } from "./home-assistant.js";

export interface MqttBridgeOptions {
  client: BridgeMqttClient;
  topics: BridgeTopics;
  manager: KeySyncManager;
  directory: KeyDirectory;
  radio: Radio;
  handlers: CommandHandlers;
  /** The `bridge/info` payload, rebuilt when the radio's identity becomes known. */
  info: () => object;
  homeAssistant: HomeAssistantDiscovery | null;
  /** Errors that are expected answers (unknown node, refused send): logged quietly. */
  isExpectedError?: (error: unknown) => boolean;
  log?: LogPort;
}

export class MqttBridge {
  private readonly log: LogPort;
  private unsubscribe: (() => void) | null = null;
  private readonly on = {
    stats: (stats: SyncStats): void => this.opts.client.publishRetained(this.opts.topics.syncStats, stats),
    event: (event: BridgeEvent): void => {
      this.opts.client.publish(this.opts.topics.bridgeEvent, event);
    },
    nodeChanged: (view: NodeView): void => {
      this.opts.client.publishRetained(this.opts.topics.node(view.id), view);
      this.opts.homeAssistant?.nodeChanged(view);
    },
    nodeRemoved: ({ id }: { id: string }): void => {
      this.opts.client.clearRetained(this.opts.topics.node(id));
      this.opts.homeAssistant?.nodeRemoved(id);
    },
    status: (status: RadioStatus): void => this.opts.client.publishRetained(this.opts.topics.radioState, status),
    dump: (dump: { kind: string }): void => {
      // The handshake tells us the radio's node number and firmware: bridge/info and the
      // device in Home Assistant show them.
      if (dump.kind !== "handshake") return;
      this.opts.client.publishRetained(this.opts.topics.bridgeInfo, this.opts.info());
      this.opts.homeAssistant?.publishAll();
    },
  };

  constructor(private readonly opts: MqttBridgeOptions) {
    this.log = opts.log ?? silentLog;
  }

  start(): void {
    const { manager, directory, radio, client, topics } = this.opts;
    manager.on("stats", this.on.stats);
    manager.on("event", this.on.event);
    directory.on("nodeChanged", this.on.nodeChanged);
    directory.on("nodeRemoved", this.on.nodeRemoved);
    radio.on("status", this.on.status);
    radio.on("dump", this.on.dump);
    this.unsubscribe = client.subscribe(topics.requestFilter, (topic, payload) => this.onRequest(topic, payload));
    this.opts.homeAssistant?.start();
    this.republish();
  }

  stop(): void {
    const { manager, directory, radio } = this.opts;
    manager.off("stats", this.on.stats);
    manager.off("event", this.on.event);
    directory.off("nodeChanged", this.on.nodeChanged);
    directory.off("nodeRemoved", this.on.nodeRemoved);
    radio.off("status", this.on.status);
    radio.off("dump", this.on.dump);
    this.unsubscribe?.();
    this.opts.homeAssistant?.stop();
  }

  /**
   * The current retained state, not a backlog: on start and after every (re)connect. The
   * client skips what this connection already carries.
   */
  republish(): void {
    const { client, topics, manager, directory, radio } = this.opts;
    client.publishRetained(topics.bridgeInfo, this.opts.info());
    client.publishRetained(topics.radioState, radio.status);
    client.publishRetained(topics.syncStats, manager.stats());
    for (const view of directory.list()) client.publishRetained(topics.node(view.id), view);
    this.opts.homeAssistant?.publishAll();
  }

  private async onRequest(topic: string, payload: Buffer): Promise<void> {
    const command = parseRequestTopic(this.opts.topics.base, topic);
    if (command === null || command.length === 0) return;
    const response = await handleRequest(command, payload, this.opts.handlers, {
      onError: (error) => {
        const message = error instanceof Error ? error.message : String(error);
        if (this.opts.isExpectedError?.(error)) this.log.info({ command }, `request ${command}: ${message}`);
        else this.log.warn({ command, err: message }, `request ${command} failed`);
      },
    });
    this.opts.client.publish(this.opts.topics.response(command), response);
  }
}
