// What the radio's live traffic means for the key directory (FIRMWARE.md): keys carried by
// packets go straight into the directory; signals that the directory may lack a key raise
// one `key_missing` (and one on-demand sync) per node per interval; PKI routing errors and a
// taken TCP slot become their bridge events.
import type { KeyDirectory } from "../directory/keys.js";
import type { KeyPolicy } from "../directory/record.js";
import { listen } from "../lifecycle.js";
import { nodeId } from "../node-id.js";
import type { Radio, RadioEvents, SlotTaken } from "../radio/link.js";
import type { Clock } from "../timing/clock.js";
import type { EngineEvent } from "./events.js";
import { SlidingLimit } from "../timing/limit.js";
import { observeKeySeen } from "./observe.js";
import { SignalDeduper, judgeNodeSeen, judgeRoutingError, type SignalVerdict } from "./signals.js";

export interface RadioWatchOptions {
  radio: Radio;
  directory: KeyDirectory;
  clock: Clock;
  keyChange: KeyPolicy;
  /** The de-duplication window: one sync interval. */
  intervalMs: () => number;
  event: (event: EngineEvent) => void;
  /** A signal asks for an on-demand sync. */
  onDemand: () => void;
}

/**
 * key_missing signals one API client's traffic may raise per minute: DMs to invented node
 * numbers are evidence about that client, and must not flood events and on-demand syncs.
 */
export const CLIENT_SIGNALS_PER_MINUTE = 10;

export class RadioWatch {
  private readonly deduper = new SignalDeduper();
  /** Per API client; cleared whole when many clients have come and gone (it only resets budgets). */
  private readonly clientSignals = new Map<string, SlidingLimit>();
  private readonly lookup = {
    hasKey: (num: number): boolean | null => {
      const record = this.opts.directory.get(num);
      return record === undefined ? null : record.key !== null;
    },
  };

  constructor(private readonly opts: RadioWatchOptions) {}

  /** Subscribes to the radio; returns the unsubscribe. */
  start(): () => void {
    const { radio, directory, keyChange } = this.opts;
    return listen<RadioEvents>(radio, {
      keySeen: (seen) => directory.ingest([observeKeySeen(seen)], "packet", keyChange),
      nodeSeen: (seen) => this.onVerdict(judgeNodeSeen(seen, this.lookup)),
      routingError: (error) => this.onVerdict(judgeRoutingError(error)),
      slotTaken: (taken) => this.onSlotTaken(taken),
    });
  }

  private onSlotTaken(taken: SlotTaken): void {
    const data = { reason: taken.reason, force_closes: taken.forceCloses, retry_in_s: Math.round(taken.retryInMs / 1000) };
    this.opts.event({ type: "radio_slot_taken", data });
  }

  private onVerdict(verdict: SignalVerdict): void {
    if (verdict.kind === "none") return;
    const id = nodeId(verdict.num);
    if (verdict.kind === "remote_lacks_our_key") {
      this.opts.event({ type: "remote_lacks_our_key", data: { id } });
      return;
    }
    if (verdict.kind === "mismatch") {
      const view = this.opts.directory.view(verdict.num);
      const data = { id, fingerprint: view?.key_fingerprint ?? null, status: view?.status ?? null, error: verdict.error };
      this.opts.event({ type: "key_mismatch", data });
      return;
    }
    const now = this.opts.clock.now();
    const budget = verdict.client ? this.clientBudget(verdict.client) : null;
    if (budget && budget.allowedAt(now) > now) return;
    // One key_missing and one on-demand request per node per interval.
    if (!this.deduper.admit(verdict.num, now, this.opts.intervalMs())) return;
    budget?.record(now);
    this.opts.event({ type: "key_missing", data: { id, reason: verdict.reason } });
    this.opts.onDemand();
  }

  private clientBudget(client: string): SlidingLimit {
    let limit = this.clientSignals.get(client);
    if (!limit) {
      if (this.clientSignals.size >= 256) this.clientSignals.clear();
      limit = new SlidingLimit(CLIENT_SIGNALS_PER_MINUTE, 60_000);
      this.clientSignals.set(client, limit);
    }
    return limit;
  }
}
