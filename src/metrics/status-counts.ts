// Nodes by status, counted again only after the directory announced a changed view. Counting
// walks (and sorts) every announced record: ~10 ms at 10,000 nodes, too much to pay on every
// scrape (bench row 16). A status change is always a changed view (nodeChanged) or a removal;
// `dirty` also fires for a node merely heard (lastSeen), which on a live mesh is every few
// seconds and changes no status, so it does not count.
import type { DirectoryEvents } from "../directory/keys.js";
import type { KeyRecord, NodeStatus } from "../directory/record.js";
import { listen } from "../lifecycle.js";
import type { EventEmitter } from "node:events";

export interface StatusSource extends EventEmitter<DirectoryEvents> {
  announcedRecords(): readonly (readonly [Readonly<KeyRecord>, NodeStatus])[];
}

export class StatusCounts {
  private counts: ReadonlyMap<NodeStatus, number> | null = null;
  private off: (() => void) | null = null;

  constructor(private readonly directory: StatusSource) {}

  start(): void {
    const stale = (): void => {
      this.counts = null;
    };
    this.off ??= listen<DirectoryEvents>(this.directory, { nodeChanged: stale, nodeRemoved: stale });
  }

  stop(): void {
    this.off?.();
    this.off = null;
    this.counts = null;
  }

  get(): ReadonlyMap<NodeStatus, number> {
    if (this.counts && this.off) return this.counts;
    const counts = new Map<NodeStatus, number>();
    for (const [, status] of this.directory.announcedRecords()) counts.set(status, (counts.get(status) ?? 0) + 1);
    this.counts = counts;
    return counts;
  }
}
