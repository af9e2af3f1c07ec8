// Publishes the retained `<base>/bridge/nodes` and `<base>/bridge/alerts` from what the key
// directory has announced (durable), never from a change still waiting for the store. A
// sync can change hundreds of nodes one announcement after another, and each list is the
// whole mesh: republishing per change would send the list hundreds of times, so changes
// are coalesced to at most one publication a second, the last state always going out.
// Published at start and after every (re)connect like the other retained topics; the
// client's change-only publishing skips a list that did not change.
import type { DirectoryEvents, KeyDirectory } from "../directory/keys.js";
import { listen } from "../lifecycle.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeMqttClient, ClientEvents } from "../mqtt/client.js";
import { compactNodeLists } from "../mqtt/compact-nodes.js";
import type { BridgeTopics } from "../mqtt/topics.js";
import { systemClock, type Clock } from "../timing/clock.js";
import { Coalescer } from "../timing/coalesce.js";

/** CONTRACT.md: "at most once a second". */
export const NODE_LIST_GAP_MS = 1_000;

export interface NodeListOptions {
  client: BridgeMqttClient;
  topics: Pick<BridgeTopics, "bridgeNodes" | "bridgeAlerts">;
  directory: KeyDirectory;
  clock?: Clock;
  log?: LogPort;
}

export class NodeList {
  private readonly coalescer: Coalescer;
  private unlisten: (() => void)[] = [];

  constructor(private readonly opts: NodeListOptions) {
    const log = opts.log ?? silentLog;
    this.coalescer = new Coalescer({
      clock: opts.clock ?? systemClock,
      gapMs: NODE_LIST_GAP_MS,
      run: () => this.publish(),
      onError: (error) => log.error({ err: error instanceof Error ? error.message : String(error) }, "publishing bridge/nodes failed"),
    });
  }

  start(): void {
    const changed = (): void => this.coalescer.poke();
    this.unlisten = [
      listen<DirectoryEvents>(this.opts.directory, { nodeChanged: changed, nodeRemoved: changed }),
      listen<ClientEvents>(this.opts.client, { connect: changed }),
    ];
    this.coalescer.start();
    this.coalescer.poke();
  }

  async stop(): Promise<void> {
    for (const off of this.unlisten.splice(0)) off();
    await this.coalescer.stop();
  }

  private publish(): void {
    const { client, topics, directory } = this.opts;
    const { nodes, alerts } = compactNodeLists(directory.announcedRecords());
    client.publishRetained(topics.bridgeNodes, nodes);
    client.publishRetained(topics.bridgeAlerts, alerts);
  }
}
