// NodeDB health in `sync/stats` (CONTRACT.md `radio_nodes`, `nodes_evicted`): what the radio's
// complete dumps of this run say about its NodeDB. A radio holds 80 to 250 nodes and gives
// up the oldest for a new one (NodeDB::getOrCreateMeshNode), so on a busy mesh nodes come and
// go; these figures show how much. Pure.
//
// The radio's own node counts in `radio_nodes`: the firmware keeps it in its NodeDB and it
// takes one of the MAX_NUM_NODES entries, so a full radio shows its capacity. It is never
// evicted.
import type { NodeDbDump } from "../radio/link.js";

export interface RadioNodes {
  /** Node numbers of the last complete dump, sorted (4 bytes a node); null before the first of this run. */
  readonly present: Uint32Array | null;
  /** Nodes that were in one complete dump and absent from a later one, since start. */
  readonly evicted: number;
}

export const NO_RADIO_NODES: RadioNodes = Object.freeze({ present: null, evicted: 0 });

/**
 * The state after a complete dump. The caller passes only dumps that list the NodeDB: one
 * with nothing but the radio's own node from a radio that may refuse us (2.8 access control,
 * sync/nodedb-emptied.ts) says nothing about the others and must change nothing. An emptied
 * NodeDB (2.7) goes to afterEmptied.
 */
export function afterDump(previous: RadioNodes, dump: Pick<NodeDbDump, "own" | "nodes">): RadioNodes {
  const nums = dump.nodes.map((node) => node.num >>> 0);
  if (dump.own) nums.push(dump.own.num >>> 0);
  const present = uniqueSorted(nums);
  const left = previous.present === null ? 0 : countMissing(previous.present, present);
  return { present, evicted: previous.evicted + left };
}

/**
 * The radio lost its NodeDB file (sync/nodedb-emptied.ts): it holds its own node alone. The
 * nodes it lost were not evicted (no entry was given up for another), so nodes_evicted stays.
 */
export function afterEmptied(previous: RadioNodes, dump: Pick<NodeDbDump, "own">): RadioNodes {
  return { present: dump.own ? Uint32Array.of(dump.own.num >>> 0) : new Uint32Array(0), evicted: previous.evicted };
}

/** How many numbers of `before` are not in `after` (both sorted ascending, no repeats). */
export function countMissing(before: Uint32Array, after: Uint32Array): number {
  let missing = 0;
  let j = 0;
  for (const num of before) {
    while (j < after.length && (after[j] as number) < num) j++;
    if (j >= after.length || after[j] !== num) missing++;
  }
  return missing;
}

/** The stats fields. */
export function radioNodeFigures(state: RadioNodes): { radio_nodes: number | null; nodes_evicted: number } {
  return { radio_nodes: state.present?.length ?? null, nodes_evicted: state.evicted };
}

function uniqueSorted(nums: number[]): Uint32Array {
  const sorted = Uint32Array.from(nums).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) sorted[n++] = sorted[i] as number;
  return sorted.slice(0, n);
}
