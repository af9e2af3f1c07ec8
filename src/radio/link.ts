// The radio as the rest of the service sees it: domain events and a few requests, with no
// protobuf and no socket in sight. radio/meshtastic.ts implements it over TCP and serial.
import type { EventEmitter } from "node:events";

/** A node as the radio's NodeDB or a live packet describes it. */
export interface RemoteNode {
  num: number;
  /** "!a76f40da" */
  id: string;
  longName: string;
  shortName: string;
  /** Exactly 32 bytes (X25519), or null when the radio holds no key for the node. */
  publicKey: Uint8Array | null;
  /** NodeInfo.is_key_manually_verified */
  verified: boolean;
  /** NodeInfo.is_ignored */
  ignored: boolean;
  /** Unix seconds the radio last heard the node; 0 when unknown. */
  lastHeard: number;
  /**
   * The rest of the node's User (hardware model, role, licensed, unmessagable), packed by
   * user-traits.ts, for the contacts a push builds; null when the radio holds no User.
   */
  traits: number | null;
  /**
   * NodeInfo.has_xeddsa_signed (firmware 2.8): the radio verified a signed NodeInfo of the
   * node. Present only when true; a 2.7 radio never says it.
   */
  signed?: boolean;
}

/** One complete NodeDB download. A dump that did not reach config_complete_id is never reported. */
export interface NodeDbDump {
  /** "handshake": the dump of the connection's config handshake; "refresh": a nodes-only re-read. */
  kind: "handshake" | "refresh";
  /** The radio's own node, when it sent one. */
  own: RemoteNode | null;
  /** Every other node, in the order the radio sent them. */
  nodes: RemoteNode[];
  durationMs: number;
  /** Epoch milliseconds of config_complete_id. */
  completedAt: number;
}

export interface RadioInfo {
  /** Where the radio is: "192.168.1.38:4403", or a serial device path. */
  link: string;
  myNodeNum: number;
  firmware: string | null;
}

export type RadioStatus =
  | { state: "connecting"; reason?: string }
  | { state: "connected" }
  | { state: "disconnected"; reason: string };

/** A public key learned from a live packet rather than a NodeDB dump. */
export interface KeySeen {
  num: number;
  publicKey: Uint8Array;
  /** "nodeinfo": a NODEINFO_APP packet; "pki": MeshPacket.public_key of a PKI-decrypted packet. */
  via: "nodeinfo" | "pki";
  longName?: string;
  shortName?: string;
  /** A NodeInfo's User besides names and key, packed as RemoteNode.traits. */
  traits?: number;
  /** MeshPacket.xeddsa_signed (firmware 2.8) on a NODEINFO_APP packet; present only when true. */
  signed?: boolean;
  /** Part of the 2.8 replay of cached packets after a dump: old news, not the node heard now. */
  replayed?: true;
}

/** A live packet from another node. `replayed` marks the 2.8 burst of cached packets after a dump. */
export interface NodeSeen {
  num: number;
  replayed: boolean;
  /** The packet reached us still encrypted: the radio had no channel or key to open it. */
  encrypted: boolean;
  /** The packet itself brings the sender's key (a NodeInfo, a PKI DM): a keySeen follows. */
  withKey?: boolean;
}

/** The protobuf name of a routing error: "PKI_FAILED", "PKI_UNKNOWN_PUBKEY", "PKI_SEND_FAIL_PUBLIC_KEY", ... */
export type RoutingErrorName = string;

export interface RoutingErrorEvent {
  /** The id of our packet this error answers. */
  requestId: number;
  /** The node our packet was addressed to, when we sent it on this connection. */
  to: number | null;
  /** The packet was a PKI DM (ours always are): NO_CHANNEL then means its destination could not decrypt it. */
  pki: boolean;
  /** The API client whose packet it answers ("127.0.0.1:50123"); null for the bridge's own. */
  client: string | null;
  error: RoutingErrorName;
  code: number;
}

/** A node and its key, for AdminMessage.add_contact. */
export interface Contact {
  num: number;
  longName: string;
  shortName: string;
  /** Exactly 32 bytes: an empty key would clear the radio's stored one. */
  publicKey: Uint8Array;
  /**
   * SharedContact.manually_verified: the radio marks the key verified (is_key_manually_verified).
   * Also the only way to replace a key the radio holds as verified (NodeDB::addFromContact).
   */
  manuallyVerified: boolean;
  /** What the radio last reported of the node's User besides names and key (RemoteNode.traits); 0: nothing known. */
  traits: number;
}

export type SendResult = (
  | { ok: true; id: number }
  | { ok: false; id: number; error: RoutingErrorName; code: number }
) & {
  /** How long the packet waited for the radio's per-port send limits before it was written. */
  waitedMs?: number;
};

/** The radio kept closing our connection right after we got it: another client holds its single TCP slot. */
export interface SlotTaken {
  /** Radio-side closes counted within the window. */
  forceCloses: number;
  /** How long we leave the slot alone before connecting again. */
  retryInMs: number;
  reason: string;
}

export interface RadioEvents {
  status: [RadioStatus];
  dump: [NodeDbDump];
  nodeSeen: [NodeSeen];
  keySeen: [KeySeen];
  routingError: [RoutingErrorEvent];
  slotTaken: [SlotTaken];
  /** The number of packets waiting for the radio's per-port send limits changed. */
  sendQueue: [number];
  /** A packet to the mesh was written after its wait in the pacer (metrics). */
  written: [PacketWritten];
}

/** One packet written to the radio: how long the send limits held it, and whose it was. */
export interface PacketWritten {
  waitedMs: number;
  /** An API client's packet (false: the bridge's own). */
  client: boolean;
}

export interface Radio extends EventEmitter<RadioEvents> {
  readonly status: RadioStatus;
  /** Known once the handshake has completed; kept across reconnects. */
  readonly info: RadioInfo | null;
  /** Packets waiting for the firmware's per-port send limits (the link's pacer); `sendQueue` events follow it. */
  readonly sendQueue: number;
  /** Connects, and keeps reconnecting with capped backoff after any drop, until stop(). */
  start(): void;
  /** Closes the connection and every timer; resolves when nothing is left open. */
  stop(): Promise<void>;
  /** Re-reads the whole NodeDB on the current connection (nonce 69421). */
  requestNodeDb(signal?: AbortSignal): Promise<NodeDbDump>;
  /**
   * Asks the radio for a PKI-encrypted DM; resolves with the radio's routing result. It waits
   * its turn for the firmware's per-connection text limit first (the pacer); `timeoutMs`
   * counts from the moment it is written. Rejects with PacketRefused when the queue is full.
   */
  sendText(to: number, text: string, timeoutMs: number): Promise<SendResult>;
  /**
   * Gives the radio a node's key (AdminMessage.add_contact). The firmware overwrites the
   * stored user and marks the node favourite; the contact's `traits` (what the radio last
   * reported of the node's User besides names and key: hardware model, role, licensed,
   * unmessagable, kept by the directory across restarts) go in too, so that only names and
   * key change. Resolves with the radio's routing result. The
   * ACK only says the radio took the message: it ACKs a contact it refused too (over a key it
   * holds as verified), so only a NodeDB read shows what it stored.
   */
  addContact(contact: Contact, timeoutMs: number): Promise<SendResult>;
}
