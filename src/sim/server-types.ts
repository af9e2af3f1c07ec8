// What the simulated radio reports about itself: its counters, the records of what clients
// sent, and its events. The server (server.ts) fills them; tests and the demo read them.
import type { MeshPacket } from "../protocol/messages.js";
import type { AdminEffect, RoutingAnswer } from "./client-packets.js";
import type { DumpKind } from "./dump.js";

export interface SimStats {
  /** Accepted TCP connections since start. */
  connections: number;
  /** Previous clients closed because a new one connected (ServerAPI.cpp "Force close previous TCP connection"). */
  forceCloses: number;
  dumps: { full: number; nodesOnly: number; configOnly: number };
  heartbeats: number;
  /** Nonce of each heartbeat, oldest first (last 1000). */
  heartbeatNonces: number[];
  packetsFromClient: number;
  /** Client packets refused by the per-connection send limits (PhoneAPI::handleToRadioPacket). */
  sendsRefused: number;
  /** Client packets ignored because their id was among the connection's last 20. */
  duplicatesIgnored: number;
  /** Client frames refused: a length over 512, or a payload that is no ToRadio. */
  framesRefused: number;
  /** PKI DMs the radio dropped because it lacks the sender's key (or holds an older one). */
  pkiDropped: number;
  /** Received NodeInfos the NodeDB did not store (key mismatch, our own key); the client got them. */
  nodeInfoRefused: number;
  /** Live packets discarded from a full to-phone queue. */
  heldDropped: number;
  /** Socket writes and bytes sent to clients. */
  socketWrites: number;
  bytesOut: number;
}

export interface DumpInfo {
  session: number;
  nonce: number;
  kind: DumpKind;
  /** Other node infos in the dump. */
  nodes: number;
}

export interface ClientPacketRecord {
  session: number;
  packet: MeshPacket;
  /** What PhoneAPI did with it: only an accepted packet reached the mesh. */
  verdict: "accepted" | "refused" | "duplicate";
  /** The routing answer sent back, null when none (no want_ack, or not accepted). */
  answer: RoutingAnswer | null;
}

export interface SimRadioEvents {
  client: [{ session: number; remote: string }];
  disconnect: [{ session: number; reason: string }];
  forceClose: [{ session: number }];
  dumpStart: [DumpInfo];
  dump: [DumpInfo];
  heartbeat: [{ session: number; nonce: number }];
  packetFromClient: [ClientPacketRecord];
  admin: [AdminEffect & { session: number }];
  frameRefused: [{ session: number; reason: "oversized" | "undecodable"; count: number }];
  dropped: [{ from: number; reason: string }];
  /** NodeDB::updateUser refused a NodeInfo: "key_mismatch" (a stored key is never replaced) or "own_key". */
  /** "unsigned": 2.8 refuses an unsigned NodeInfo from a node that has signed before. */
  nodeInfoRefused: [{ from: number; reason: "key_mismatch" | "own_key" | "unsigned" }];
}
