// Meshtastic's printable node id: "!" and the node number as 8 lowercase hex digits.

const NODE_ID = /^!([0-9a-f]{8})$/i;

/** Ids are formatted for every node of every sync: remember them (bounded). */
const formatted = new Map<number, string>();
const MAX_REMEMBERED = 65_536;

export function nodeId(num: number): string {
  const n = num >>> 0;
  let id = formatted.get(n);
  if (id === undefined) {
    if (formatted.size >= MAX_REMEMBERED) formatted.clear();
    id = `!${n.toString(16).padStart(8, "0")}`;
    formatted.set(n, id);
  }
  return id;
}

/** The node number of "!a76f40da" (any case); null for anything else. */
export function parseNodeId(id: string): number | null {
  const match = NODE_ID.exec(id);
  return match?.[1] === undefined ? null : Number.parseInt(match[1], 16);
}
