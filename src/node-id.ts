// Meshtastic's printable node id: "!" and the node number as 8 lowercase hex digits.

const NODE_ID = /^!([0-9a-f]{8})$/i;

export function nodeId(num: number): string {
  return `!${(num >>> 0).toString(16).padStart(8, "0")}`;
}

/** The node number of "!a76f40da" (any case); null for anything else. */
export function parseNodeId(id: string): number | null {
  const match = NODE_ID.exec(id);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 16);
}
