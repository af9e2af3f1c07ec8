// The shared key directory over the broker (share.enabled): publish the confirmed public
// keys our own radio taught us, retained at <share.topic>/<gateway>/<node id>, and merge what
// trusted gateways publish. A `changed` node's new key is not shared until accept_key: an
// unconfirmed key (a re-flash or an impersonation) must not spread to other gateways.
// Keys heard only from other gateways are never re-published, so a key
// costs one retained message per gateway that learned it from its own radio.
import type { DirectoryEvents, KeyDirectory } from "../directory/keys.js";
import { fingerprintFor, type KeyPolicy, type KeyRecord } from "../directory/record.js";
import { listen } from "../lifecycle.js";
import { silentLog, type LogPort } from "../log-port.js";
import type { BridgeMqttClient, ClientEvents } from "../mqtt/client.js";
import type { Observation } from "../directory/merge.js";
import { encodeSharedKey, isTrusted, parseSharedKey, shareFilter, shareTopic, type SharedKey } from "../share/codec.js";

export interface KeySharingOptions {
  client: BridgeMqttClient;
  directory: KeyDirectory;
  /** `share.topic` */
  topic: string;
  /** This bridge's gateway name: its base topic. */
  gateway: string;
  trust: readonly string[];
  /** sync.key_change: shared keys are merged under the same rules as a NodeDB dump. */
  keyChange: KeyPolicy;
  log?: LogPort;
}

export class KeySharing {
  private readonly log: LogPort;
  /**
   * Node ids we have a retained share message for, with what it said (confirmed key and
   * names): key_changed_at moves when a new key is heard, and that alone must not re-publish
   * the confirmed one.
   */
  private readonly published = new Map<string, string>();
  private unlisten: (() => void)[] = [];

  constructor(private readonly opts: KeySharingOptions) {
    this.log = opts.log ?? silentLog;
  }

  start(): void {
    const { client, directory, topic } = this.opts;
    this.unlisten = [
      // The record as announced (durable), not the directory's newer state, if any.
      listen<DirectoryEvents>(directory, { nodeChanged: (_view, record) => this.publish(record), nodeRemoved: ({ id }) => this.withdraw(id) }),
      listen<ClientEvents>(client, { connect: () => this.publishAll() }),
      client.subscribe(shareFilter(topic), (t, payload) => this.onMessage(t, payload)),
    ];
    this.publishAll();
  }

  stop(): void {
    for (const off of this.unlisten.splice(0)) off();
  }

  /** Every key of ours; the client sends only what this connection does not carry yet. */
  publishAll(): void {
    for (const [record] of this.opts.directory.announcedRecords()) this.publish(record, true);
  }

  /** `all`: every key again, for the client to send what this connection lacks. */
  private publish(record: Readonly<KeyRecord>, all = false): void {
    if (!ownKey(record)) {
      // A key we no longer vouch for (e.g. taken from another gateway): stop sharing it.
      if (this.published.has(record.id)) this.withdraw(record.id);
      return;
    }
    const publicKey = record.confirmedKey;
    const fingerprint = fingerprintFor(record, publicKey) ?? "";
    const said = `${fingerprint}\n${record.longName}\n${record.shortName}`;
    if (!all && this.published.get(record.id) === said) return;
    const key = { id: record.id, num: record.num, publicKey, longName: record.longName, shortName: record.shortName, learnedAt: record.keyChangedAt ?? record.firstSeen };
    this.opts.client.publishRetained(shareTopic(this.opts.topic, this.opts.gateway, record.id), encodeSharedKey(this.opts.gateway, key, fingerprint));
    this.published.set(record.id, said);
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
    this.opts.directory.ingest([observeShared(message.key)], `gateway:${message.gateway}`, this.opts.keyChange);
  }
}

/** Another gateway's key as the directory's observation. Its radio's flags (verified, ignored) and last-heard are its own business. */
export function observeShared(key: SharedKey): Observation {
  return { num: key.num, longName: key.longName, shortName: key.shortName, key: key.publicKey };
}

/** Confirmed keys our own radio taught us (from a NodeDB dump or a live packet), also after a restart. */
function ownKey(record: Readonly<KeyRecord>): record is Readonly<KeyRecord> & { confirmedKey: Uint8Array } {
  // A node a 2.8 re-flash replaced keeps its old key here, but it must not spread.
  const own = record.confirmedOrigin === "nodedb" || record.confirmedOrigin === "packet";
  return record.confirmedKey !== null && own && record.notes.replacedBy === null;
}
