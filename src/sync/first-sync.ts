// A fresh key directory's first sync is not news (CONTRACT.md `first_sync`): learning 40
// nodes at once used to raise 40 `key_added`, each a notification and a stored trace in Home
// Assistant's automations. That sync announces one summary instead; `nodes/<id>` are
// published as ever, and every key added after it is a `key_added` again. Pure.
import type { MergeCounts } from "../directory/merge.js";
import type { KeyRecord } from "../directory/record.js";
import { isUplink } from "../directory/uplink-trust.js";
import type { FirstSyncEvent } from "./events.js";

export class FirstSync {
  private decided = false;

  /**
   * Called for every dump that is merged; true only for the first one, and only when the
   * directory held no node before it (a store from an earlier run is not fresh) but uplink
   * claims: the uplink starts before the radio's first dump and may have filled in a few
   * nodes by then, which makes a new install no less new. `known` is asked once.
   */
  claim(known: () => Iterable<Readonly<KeyRecord>>): boolean {
    if (this.decided) return false;
    this.decided = true;
    for (const record of known()) if (!isUplink(record.origin)) return false;
    return true;
  }
}

export function firstSyncEvent(counts: Pick<MergeCounts, "checked" | "added">): FirstSyncEvent {
  return { type: "first_sync", data: { checked: counts.checked, added: counts.added } };
}
