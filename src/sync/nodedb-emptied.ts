// A nodes-only dump holding nothing but the radio's own node has two meanings (FIRMWARE.md):
// on 2.7 (measured on 2.7.26) the radio lost its NodeDB file and really holds no other node;
// on 2.8 with per-connection access control (MESHTASTIC_PHONEAPI_ACCESS_CONTROL) an
// unauthorised client gets the same answer while the NodeDB is whole. Which one it is depends
// only on what the firmware can do, so the reading follows its reported version. Pure.
import type { KeyRecord } from "../directory/record.js";
import type { NodeDbDump } from "../radio/link.js";

/** The first firmware line that may refuse a client the NodeDB (access control). */
const ACCESS_CONTROL_SINCE = { major: 2, minor: 8 } as const;

/**
 * Whether a radio reporting `firmware` (DeviceMetadata.firmware_version, "2.7.26.abcdef") may
 * have per-client access control. An unknown or unreadable version gets the cautious answer
 * (true): reading a refusal as an empty NodeDB would mark every node gone and push keys into a
 * radio that holds them.
 */
export function mayHaveAccessControl(firmware: string | null): boolean {
  const match = firmware === null ? null : /^\s*v?(\d+)\.(\d+)(?:\D|$)/i.exec(firmware);
  if (!match) return true;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major !== ACCESS_CONTROL_SINCE.major) return major > ACCESS_CONTROL_SINCE.major;
  return minor >= ACCESS_CONTROL_SINCE.minor;
}

/**
 * "listed": the dump lists the radio's NodeDB. "emptied": only the own node, from a radio
 * that cannot refuse us: its NodeDB really is empty, and it is a complete dump all the same.
 * "refused": only the own node from a radio that may refuse: nothing learned.
 */
export type DumpReading = "listed" | "emptied" | "refused";

export function readDump(dump: Pick<NodeDbDump, "nodes">, firmware: string | null): DumpReading {
  if (dump.nodes.length > 0) return "listed";
  return mayHaveAccessControl(firmware) ? "refused" : "emptied";
}

/**
 * radio_nodedb_emptied is raised for an emptied dump only when the directory still had other
 * nodes in the radio (in_radio, from earlier dumps): once per emptying, and again only after
 * the radio held other nodes in between. in_radio is kept with the directory, so a restart
 * while the radio stays empty raises nothing new either.
 */
export function emptiedNews(reading: DumpReading, othersInRadioBefore: number): boolean {
  return reading === "emptied" && othersInRadioBefore > 0;
}

/** The directory's nodes besides the radio's own; `inRadio`: only those its last complete dump held. */
export function otherNodes(records: Iterable<Readonly<KeyRecord>>, ownNum: number | null, inRadio: boolean): number {
  let count = 0;
  for (const record of records) if (record.num !== ownNum && (record.inRadio || !inRadio)) count++;
  return count;
}

/**
 * The order a refill puts keys back: the watched nodes (the ones the user follows) first,
 * then the rest; within each, the most recently heard first (ties by node number, so the
 * order is stable). Only nodes the radio lacks, with a confirmed key, never the own node;
 * whether a key may leave at all is still the push policy's decision, node by node.
 */
export function refillOrder(records: Iterable<Readonly<KeyRecord>>, watch: ReadonlySet<number>, ownNum: number | null): number[] {
  const wanted = [...records].filter((r) => !r.inRadio && r.confirmedKey !== null && r.num !== ownNum);
  wanted.sort((a, b) => rank(b, watch) - rank(a, watch) || b.lastSeen - a.lastSeen || a.num - b.num);
  return wanted.map((r) => r.num);
}

function rank(record: Readonly<KeyRecord>, watch: ReadonlySet<number>): number {
  return watch.has(record.num) ? 1 : 0;
}
