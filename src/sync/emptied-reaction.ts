// What the engine does about a dump's reading (nodedb-emptied.ts) beyond merging it: a dump
// that lists the NodeDB may end a refill; news of an emptied NodeDB (once per emptying) is
// raised, and a refill started, once the dump's changes (every node in_radio false) are
// durable and announced. The sync answers meanwhile.
import type { KeyDirectory } from "../directory/keys.js";
import type { LogPort } from "../log-port.js";
import type { EngineEvent } from "./events.js";
import { emptiedNews, otherNodes, type DumpReading } from "./nodedb-emptied.js";
import type { RefillPort } from "./refill.js";

export interface EmptiedReactionOptions {
  directory: KeyDirectory;
  /** Without it nothing is refilled (push off). */
  refill?: RefillPort;
  log: LogPort;
  event: (event: EngineEvent) => void;
}

export class EmptiedReaction {
  constructor(private readonly opts: EmptiedReactionOptions) {}

  /** Before the merge: the other nodes the directory still had in the radio (0 unless the dump says emptied). */
  before(reading: DumpReading, ownNum: number | null): number {
    return reading === "emptied" ? otherNodes(this.opts.directory.snapshot(), ownNum, true) : 0;
  }

  /**
   * After the merge. `announced` settles once its changes are announced; `radioNodes` is what
   * stats say the radio holds then; `live` is false once the engine stopped.
   */
  after(reading: DumpReading, inRadioBefore: number, ownNum: number | null, announced: Promise<void>, radioNodes: number, live: () => boolean): void {
    const { refill, directory } = this.opts;
    if (reading === "listed") {
      if (refill) void announced.then(() => refill.listed());
      return;
    }
    if (!emptiedNews(reading, inRadioBefore)) return;
    const known = otherNodes(directory.snapshot(), ownNum, false);
    this.opts.log.warn({ known }, `the radio's NodeDB is empty (its firmware has no per-client access control): it lost the ${known} other nodes we know`);
    void announced.then(() => {
      if (!live()) return;
      const running = refill?.begin() ?? false;
      this.opts.event({ type: "radio_nodedb_emptied", data: { radio_nodes: radioNodes, known, refill: running } });
    });
  }

  stop(): Promise<void> {
    return this.opts.refill?.stop() ?? Promise.resolve();
  }
}
