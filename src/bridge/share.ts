// The shared key directory over the broker (share.enabled): publish the public keys our own
// radio taught us, retained at <share.topic>/<gateway>/<node id>, and merge what trusted
// gateways publish. Keys heard only from other gateways are never re-published, so a key
// costs one retained message per gateway that learned it from its own radio.
import type { KeyDirectory } from "../directory/keys.js";
import type { KeyRecord, NodeView } from "../directory/record.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeMqttClient } from "../mqtt/client.js";
import type { RemoteNode } from "../radio/link.js";
import { encodeSharedKey, isTrusted, parseSharedKey, shareFilter, shareTopic } from "../share/codec.js";

export interface KeySharingOptions {
  client: BridgeMqttClient;
  directory: KeyDirectory;
  /** `share.topic` */
  topic: string;
  /** This bridge's gateway name: its base topic. */
  gateway: string;
  trust: readonly string[];
  /** Merges another gateway's keys (KeySyncManager.ingestGateway). */
  ingest: (gateway: string, nodes: RemoteNode[]) => void;
  log?: LogPort;
}

export class KeySharing {
  private readonly log: LogPort;
  /** Node ids we have a retained share message for. */
  private readonly published = new Set<string>();
  private unsubscribe: (() => void) | null = null;
  private readonly onChanged = (view: NodeView): void => this.publish(view.num);
  private readonly onRemoved = ({ id }: { id: string }): void => this.withdraw(id);

  constructor(private readonly opts: KeySharingOptions) {
    this.log = opts.log ?? silentLog;
  }

  start(): void {
    const { client, directory, topic } = this.opts;
    directory.on("nodeChanged", this.onChanged);
    directory.on("nodeRemoved", this.onRemoved);
    this.unsubscribe = client.subscribe(shareFilter(topic), (t, payload) => this.onMessage(t, payload));
    this.publishAll();
  }

  stop(): void {
    this.opts.directory.off("nodeChanged", this.onChanged);
    this.opts.directory.off("nodeRemoved", this.onRemoved);
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Every key of ours; the client sends only what this connection does not carry yet. */
  publishAll(): void {
    for (const record of this.opts.directory.snapshot()) this.publish(record.num);
  }

  private publish(num: number): void {
    const record = this.opts.directory.get(num);
    if (!record) return;
    if (!ownKey(record)) {
      // A key we no longer vouch for (e.g. taken from another gateway): stop sharing it.
      if (this.published.has(record.id)) this.withdraw(record.id);
      return;
    }
    const key = { id: record.id, num: record.num, publicKey: record.key, longName: record.longName, shortName: record.shortName, learnedAt: record.keyChangedAt ?? record.firstSeen };
    this.opts.client.publishRetained(shareTopic(this.opts.topic, this.opts.gateway, record.id), encodeSharedKey(this.opts.gateway, key, record.fingerprint ?? ""));
    this.published.add(record.id);
  }

  private withdraw(id: string): void {
    if (!this.published.delete(id)) return;
    this.opts.client.clearRetained(shareTopic(this.opts.topic, this.opts.gateway, id));
  }

  private onMessage(topic: string, payload: Buffer): void {
    const parsed = parseSharedKey(topic, this.opts.topic, payload);
    if (!parsed.ok) {
      this.log.warn({ topic, reason: parsed.reason }, "ignored a malformed shared key");
      return;
    }
    const message = parsed.message;
    // aedes has no "no local": our own messages come back and are not news.
    if (message === null || message.gateway === this.opts.gateway) return;
    if (!isTrusted(message.gateway, this.opts.trust)) {
      this.log.debug({ gateway: message.gateway, id: message.key.id }, "ignored a key from an untrusted gateway");
      return;
    }
    const { key } = message;
    this.opts.ingest(message.gateway, [
      { num: key.num, id: key.id, longName: key.longName, shortName: key.shortName, publicKey: key.publicKey, verified: false, ignored: false, lastHeard: 0 },
    ]);
  }
}

/** Keys our own radio taught us (from a NodeDB dump or a live packet), also after a restart. */
function ownKey(record: Readonly<KeyRecord>): record is Readonly<KeyRecord> & { key: Uint8Array } {
  return record.key !== null && (record.origin === "nodedb" || record.origin === "packet");
}
