// Meshtastic's printable node id: "!" and the node number as 8 lowercase hex digits.

const NODE_ID = /^!([0-9a-f]{8})$/i;

/**
 * Ids are formatted for every node of every sync, so byte by byte from a table: as fast as a
 * cache of formatted ids was (toString(16) + padStart took ~1 µs an id), without the cache's
 * map entry per node (~60 bytes a node). Short concatenations come out flat, 32 bytes an id.
 */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

export function nodeId(num: number): string {
  const n = num >>> 0;
  return `!${HEX[n >>> 24]}${HEX[(n >>> 16) & 0xff]}${HEX[(n >>> 8) & 0xff]}${HEX[n & 0xff]}`;
}

/** The node number of "!a76f40da" (any case); null for anything else. */
export function parseNodeId(id: string): number | null {
  const match = NODE_ID.exec(id);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 16);
}
