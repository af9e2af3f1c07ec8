// Firmware 2.8's replay of cached packets after config_complete_id (PhoneAPI.cpp
// sendConfigComplete / popReplayPacket): positions first, then telemetry, each with the
// rxTime it was heard. Several come from keyless nodes: they are not news to a client.
import { encodeFromRadio } from "../protocol/messages.js";
import { positionPacket, telemetryPacket } from "./encode.js";
import type { SimNode, SimNodeDb } from "./nodedb.js";

/** Up to `count` nodes with a cached position, keyless ones first (up to half). */
export function replayedNodes(db: SimNodeDb, count: number): SimNode[] {
  const withPosition = db.list().filter((n) => n.position !== null);
  const keyless = withPosition.filter((n) => n.publicKey === null).slice(0, Math.ceil(count / 2));
  const keyed = withPosition.filter((n) => n.publicKey !== null).slice(0, count - keyless.length);
  return [...keyless, ...keyed];
}

/** FromRadio payloads of the replay. Ids are stable per node: it is the same cached packet each time. */
export function replayPayloads(db: SimNodeDb, count: number): Uint8Array[] {
  const nodes = replayedNodes(db, count);
  const positions = nodes.map((node) =>
    encodeFromRadio({ payloadVariant: { case: "packet", value: positionPacket(node, { id: stableId(node.num, 1), rxTime: node.lastHeard }) } }),
  );
  const telemetry = nodes.map((node) =>
    encodeFromRadio({
      payloadVariant: { case: "packet", value: telemetryPacket(node, { id: stableId(node.num, 2), rxTime: node.lastHeard - 60 }) },
    }),
  );
  return [...positions, ...telemetry];
}

function stableId(num: number, salt: number): number {
  const x = Math.imul(num ^ (salt * 0x9e3779b9), 0x85ebca6b) >>> 0;
  return (x ^ (x >>> 13)) >>> 0 || 1;
}
