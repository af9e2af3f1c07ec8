// One complete NodeDB dump into the key directory: how to read it (nodedb-emptied.ts: listed,
// emptied, or a 2.8 refusal), the merge itself (without key_added on a fresh directory's first
// sync, which is one first_sync instead), the radio's NodeDB figures, and what an emptied
// NodeDB sets off. The manager keeps the sync figures and the scheduler around it.
import type { KeyDirectory } from "../directory/keys.js";
import type { MergeCounts } from "../directory/merge.js";
import type { KeyPolicy } from "../directory/record.js";
import type { LogPort } from "../log-port.js";
import type { NodeDbDump, Radio } from "../radio/link.js";
import { EmptiedReaction } from "./emptied-reaction.js";
import type { EngineEvent } from "./events.js";
import { FirstSync, firstSyncEvent } from "./first-sync.js";
import { readDump } from "./nodedb-emptied.js";
import { observeDump } from "./observe.js";
import { afterDump, afterEmptied, NO_RADIO_NODES, radioNodeFigures, type RadioNodes } from "./radio-nodes.js";
import type { RefillPort } from "./refill.js";
import type { RadioNodeFigures } from "./stats.js";

export interface DumpMergeOptions {
  radio: Radio;
  directory: KeyDirectory;
  keyChange: KeyPolicy;
  refill?: RefillPort;
  log: LogPort;
  event: (event: EngineEvent) => void;
  /** Runs a directory change without the figures following each step (the manager's). */
  quietly: <T>(change: () => T) => T;
  /** False once the engine stopped: what would follow an announcement is dropped. */
  live: () => boolean;
}

export interface MergedDump {
  /** null: the dump taught nothing (a 2.8 radio refusing this client the NodeDB). */
  counts: MergeCounts | null;
  /** Settles once the dump's changes are durable and announced. */
  announced: Promise<void>;
}

export class DumpMerge {
  private radioNodes: RadioNodes = NO_RADIO_NODES;
  private readonly firstSync = new FirstSync();
  private readonly emptied: EmptiedReaction;

  constructor(private readonly opts: DumpMergeOptions) {
    this.emptied = new EmptiedReaction({ directory: opts.directory, refill: opts.refill, log: opts.log, event: opts.event });
  }

  get figures(): RadioNodeFigures {
    return radioNodeFigures(this.radioNodes);
  }

  merge(dump: NodeDbDump): MergedDump {
    const { directory, radio } = this.opts;
    const reading = readDump(dump, radio.info?.firmware ?? null);
    const ownNum = dump.own?.num ?? radio.info?.myNodeNum ?? null;
    const inRadioBefore = this.emptied.before(reading, ownNum);
    const observations = observeDump(dump, reading);
    const fresh = observations !== null && this.firstSync.claim(() => directory.snapshot());
    const counts = observations ? this.opts.quietly(() => directory.ingest(observations, "nodedb", this.opts.keyChange, { keyAdded: !fresh })) : null;
    if (reading === "listed") this.radioNodes = afterDump(this.radioNodes, dump);
    if (reading === "emptied") this.radioNodes = afterEmptied(this.radioNodes, dump);
    const announced = counts ? directory.lastChangeAnnounced() : Promise.resolve();
    // After the nodes it brought are announced, like the key_added it stands for.
    if (fresh && counts) void announced.then(() => this.opts.event(firstSyncEvent(counts)));
    if (!observations) this.opts.log.warn({}, "the radio sent only its own node: nothing learned (is this client authorised on the radio?)");
    this.emptied.after(reading, inRadioBefore, ownNum, announced, this.radioNodes.present?.length ?? 0, this.opts.live);
    return { counts, announced };
  }

  stop(): Promise<void> {
    return this.emptied.stop();
  }
}
