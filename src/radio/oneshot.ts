// Strategy `connection`: read the NodeDB over a temporary second TCP connection, then close
// it. Only for multi-client proxies: against a radio itself, the firmware force-closes the
// bot's main connection when this one opens (ServerAPI.cpp), which is why the config layer
// refuses it unless `sync.source.proxy` says the target serves several clients.
import { NONCE_ONLY_NODES, wantConfig } from "../protocol/messages.js";
import { RadioConnection } from "./connection.js";
import { DumpCollector } from "./dump.js";
import type { NodeDbDump } from "./link.js";
import { tcpEndpoint } from "./tcp.js";

export interface OneShotOptions {
  host: string;
  port: number;
  connectTimeoutMs?: number;
  dumpTimeoutMs?: number;
}

export async function fetchNodeDbOnce(options: OneShotOptions, signal: AbortSignal): Promise<NodeDbDump> {
  const dumpTimeoutMs = options.dumpTimeoutMs ?? 120_000;
  const endpoint = tcpEndpoint({ host: options.host, port: options.port, connectTimeoutMs: options.connectTimeoutMs ?? 10_000 });
  // One download, then close: the heartbeat only has to outlast it.
  const conn = await RadioConnection.open(endpoint, { heartbeatIntervalMs: dumpTimeoutMs, heartbeatTimeoutMs: dumpTimeoutMs }, signal);
  const collector = new DumpCollector("refresh", NONCE_ONLY_NODES, 0, dumpTimeoutMs, () => undefined);
  const onAbort = (): void => collector.fail(new Error("sync aborted"));
  signal.addEventListener("abort", onAbort, { once: true });
  conn.on("close", (reason) => collector.fail(new Error(`connection to ${options.host}:${options.port} lost: ${reason}`)));
  conn.on("message", (message) => {
    const variant = message.payloadVariant;
    if (variant.case === "nodeInfo" || variant.case === "myInfo" || variant.case === "metadata") collector.add(message);
    if (variant.case === "configCompleteId" && variant.value === NONCE_ONLY_NODES) {
      const { dump } = collector.finish(Date.now());
      collector.resolve(dump);
    }
  });
  // A first want_config with the nodes-only nonce is a complete session for the firmware:
  // own node_info, every other node_info, config_complete_id (PhoneAPI.cpp).
  const result = collector.wait();
  conn.write(wantConfig(NONCE_ONLY_NODES));
  try {
    return await result;
  } finally {
    signal.removeEventListener("abort", onAbort);
    await conn.close("sync done");
  }
}
