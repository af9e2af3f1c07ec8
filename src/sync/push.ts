// Putting keys into the radio with AdminMessage.add_contact (push.enabled): the thin shell
// around the one push policy (push-policy.ts). It gathers the facts the policy decides on,
// keeps the one push.max_per_hour limit every path shares, sends, and on the command path
// confirms with a nodes-only re-read that the radio holds what was sent.
//
// What the radio holds is read from the key directory (record.radioKey, inRadio and verified,
// from the radio's last complete dump), not from a second copy of our own. Only what the radio
// told us since that dump sits on top, until the next one: a PKI_SEND_FAIL_PUBLIC_KEY (it
// lacks the key, e.g. evicted since) and a fill it acknowledged.
import type { KeyDirectory } from "../directory/keys.js";
import type { NodeDbDump, Radio, RadioEvents, RoutingErrorEvent } from "../radio/link.js";
import type { Contact } from "../radio/link.js";
import { listen } from "../lifecycle.js";
import { silentLog, type LogPort } from "../log-port.js";
import { nodeId } from "../node-id.js";
import type { Clock } from "../timing/clock.js";
import { SlidingLimit } from "../timing/limit.js";
import { CommandRefused } from "./errors.js";
import { readDump } from "./nodedb-emptied.js";
import { confirmation, decidePush, type PushDecision, type PushPath, type RadioHolding } from "./push-policy.js";

export class PushRefused extends CommandRefused {}

/** The push command's answer (CONTRACT.md "The push policy"). */
export interface PushResult {
  id: string;
  fingerprint: string;
  /** add_contact went to the radio; false: it already held exactly that key (and the verified mark, when asked). */
  sent: boolean;
  /** The radio holds the node's key marked verified (is_key_manually_verified), as last read. */
  verified: boolean;
  /** The radio holds the key (and the mark, when asked): known from its NodeDB, re-read after a send. */
  confirmed: boolean;
  /** Only when `confirmed` is false: what the re-read showed, or why it could not run. */
  reason?: string;
}

export interface PushOptions {
  /** push.enabled: off, every push is refused. */
  enabled: boolean;
  radio: Radio;
  directory: KeyDirectory;
  clock: Clock;
  maxPerHour: number;
  /** share.trust: gateways whose keys we may push. */
  trust: readonly string[];
  /** Seconds to wait for the ACK of add_contact, and again for the confirming re-read. */
  timeoutSec: number;
  /**
   * A nodes-only re-read of the radio's NodeDB that starts after the call (never one already
   * under way), resolving once its dump is merged into the directory: the manager's syncFresh.
   */
  reread: () => Promise<unknown>;
  log?: LogPort;
}

/**
 * Whose push allowance a fill draws on. "bridge": the user's (the command, the bridge's own
 * send, a refill); "clients": the API clients' own, so that DMs from clients can never use up
 * the pushes the user asks for.
 */
export type PushBudget = "bridge" | "clients";

/** Pushes since start per allowance, for the metrics: add_contact ACKed, or refused (by the limit, the radio, or a link that was away). */
export interface PushFigures {
  sent: Record<PushBudget, number>;
  refused: Record<PushBudget, number>;
  /** Pushes each allowance would take now within push.max_per_hour. */
  left: Record<PushBudget, number>;
}

export class KeyPusher {
  private readonly counts = { sent: { bridge: 0, clients: 0 }, refused: { bridge: 0, clients: 0 } };
  /** What the radio told us since its last complete dump: null = it lacks the key; a key = a fill it ACKed. */
  private readonly sinceDump = new Map<number, Uint8Array | null>();
  private readonly limits: Record<PushBudget, SlidingLimit>;
  /** Pushes and fills under way, by node (and verify): a second request for the same joins the first. */
  private readonly underWay = new Map<string, Promise<unknown>>();
  private readonly log: LogPort;
  private unlisten: (() => void) | null = null;
  private readonly on = {
    dump: (dump: NodeDbDump): void => {
      // A dump with only the radio's own node from a radio that may refuse us (2.8 access
      // control) says nothing about the rest; from one that cannot (2.7), its NodeDB is empty.
      if (readDump(dump, this.opts.radio.info?.firmware ?? null) !== "refused") this.sinceDump.clear();
    },
    routingError: (event: RoutingErrorEvent): void => {
      if (event.error === "PKI_SEND_FAIL_PUBLIC_KEY" && event.to !== null) this.sinceDump.set(event.to >>> 0, null);
    },
  };

  constructor(private readonly opts: PushOptions) {
    this.limits = { bridge: new SlidingLimit(opts.maxPerHour, 3_600_000), clients: new SlidingLimit(opts.maxPerHour, 3_600_000) };
    this.log = opts.log ?? silentLog;
  }

  get enabled(): boolean {
    return this.opts.enabled;
  }

  start(): void {
    if (this.opts.enabled) this.unlisten ??= listen<RadioEvents>(this.opts.radio, this.on);
  }

  stop(): void {
    this.unlisten?.();
    this.unlisten = null;
  }

  /** push.max_per_hour allows the user's allowance no push now: a caller going through many nodes (a refill) stops. */
  get atLimit(): boolean {
    const now = this.opts.clock.now();
    return this.limits.bridge.allowedAt(now) > now;
  }

  figures(): PushFigures {
    const now = this.opts.clock.now();
    const left = (budget: PushBudget): number => this.limits[budget].remaining(now);
    return { sent: { ...this.counts.sent }, refused: { ...this.counts.refused }, left: { bridge: left("bridge"), clients: left("clients") } };
  }

  /** The radio holds no key for the node, as far as we know. */
  radioLacksKey(num: number): boolean {
    return this.holding(num).key === null;
  }

  /**
   * The push command: may replace a different key the radio holds (the repair of a
   * `radio_stale` node), one it holds as verified only with `verify`, which also marks the key
   * verified in the radio. Throws PushRefused with the reason; nothing is sent then.
   */
  push(num: number, options: { verify?: boolean } = {}): Promise<PushResult> {
    return this.joined(`push:${num}:${options.verify === true}`, () => this.pushOnce(num, options.verify === true));
  }

  private async pushOnce(num: number, verify: boolean): Promise<PushResult> {
    const decision = this.decide("command", num, verify);
    if ("refused" in decision) throw new PushRefused(decision.refused);
    const id = nodeId(num);
    if ("held" in decision) return { id, fingerprint: decision.fingerprint, sent: false, verified: decision.verified, confirmed: true };
    await this.send(decision.send, "bridge");
    const unconfirmed = await this.confirm(decision.send);
    const record = this.opts.directory.get(num);
    const verified = record !== undefined && record.inRadio && record.verified;
    const result: PushResult = { id, fingerprint: decision.fingerprint, sent: true, verified, confirmed: unconfirmed === null };
    if (unconfirmed !== null) result.reason = unconfirmed;
    this.log.info({ ...result }, `pushed the key of ${id} into the radio${unconfirmed === null ? "" : ` (not confirmed: ${unconfirmed})`}`);
    return result;
  }

  /**
   * The automatic push (after PKI_SEND_FAIL_PUBLIC_KEY, before an API client's DM): only fills
   * a key the radio lacks, never replaces one. Resolves true once the radio ACKed add_contact;
   * false, with the reason logged, for every refusal.
   */
  async fillIfMissing(num: number): Promise<boolean> {
    return (await this.fill(num)) === null;
  }

  /** fillIfMissing, with the reason when nothing was filled (null: filled), for callers that report it. */
  fill(num: number, budget: PushBudget = "bridge"): Promise<string | null> {
    return this.joined(`fill:${num}:${budget}`, () => this.fillOnce(num, budget));
  }

  /** The automatic push as the API server asks for it: on the clients' own allowance. */
  forClients(): { fillIfMissing(num: number): Promise<boolean> } {
    return { fillIfMissing: async (num) => (await this.fill(num, "clients")) === null };
  }

  private async fillOnce(num: number, budget: PushBudget): Promise<string | null> {
    const decision = this.decide("fill", num, false);
    const id = nodeId(num);
    if ("refused" in decision) {
      this.log.debug({ id }, `no automatic push: ${decision.refused}`);
      return decision.refused;
    }
    if ("held" in decision) return `the radio already holds that key for ${id}`;
    try {
      await this.send(decision.send, budget);
    } catch (err) {
      if (!(err instanceof PushRefused)) throw err;
      this.log.info({ id }, `no automatic push: ${err.message}`);
      return err.message;
    }
    this.sinceDump.set(num >>> 0, decision.send.publicKey);
    this.log.info({ id, fingerprint: decision.fingerprint }, `filled the radio's missing key for ${id}`);
    return null;
  }

  private decide(path: PushPath, num: number, verify: boolean): PushDecision {
    const { directory } = this.opts;
    const radio = this.holding(num, path === "fill");
    return decidePush(path, { enabled: this.opts.enabled, record: directory.get(num), shareable: directory.shareable(num, this.opts.trust), radio, verify });
  }

  /**
   * `withFills`: count a fill the radio ACKed as held. The command does not: its `sent: false`
   * means a NodeDB read showed the key, and an ACK is no proof (the firmware ACKs a contact
   * it dropped), so after a fill it sends once more and confirms.
   */
  private holding(num: number, withFills = true): RadioHolding {
    const record = this.opts.directory.get(num);
    const verified = record !== undefined && record.inRadio && record.verified;
    const told = this.sinceDump.get(num >>> 0);
    const key = told === null || (told !== undefined && withFills) ? told : (record?.radioKey ?? null);
    return { key, verified };
  }

  /** One add_contact under `budget`'s limit; PushRefused when it could not be sent or the radio refused it. */
  private async send(contact: Contact, budget: PushBudget): Promise<void> {
    try {
      await this.sendOnce(contact, budget);
      this.counts.sent[budget] += 1;
    } catch (err) {
      if (err instanceof PushRefused) this.counts.refused[budget] += 1;
      throw err;
    }
  }

  private async sendOnce(contact: Contact, budget: PushBudget): Promise<void> {
    const { radio } = this.opts;
    if (radio.status.state !== "connected") throw new PushRefused("the radio is not connected; nothing was sent");
    if (!this.limits[budget].take(this.opts.clock.now())) {
      const whose = budget === "clients" ? " for API clients (their own allowance, apart from yours)" : "";
      throw new PushRefused(`refused: more than ${this.opts.maxPerHour} pushes per hour${whose} (push.max_per_hour)`);
    }
    let result;
    try {
      result = await radio.addContact(contact, this.opts.timeoutSec * 1000);
    } catch (err) {
      throw new PushRefused(`add_contact for ${nodeId(contact.num)} failed: ${(err as Error).message}`);
    }
    if (!result.ok) throw new PushRefused(`the radio refused add_contact for ${nodeId(contact.num)}: ${result.error}`);
  }

  /**
   * Re-reads the radio's NodeDB and checks it holds what was sent; null when it does, else
   * why not. A radio that is away, or a re-read that takes longer than timeout, is an answer
   * (confirmed: false and the reason), never a hang: the re-read goes on and updates the
   * directory when it completes.
   */
  private async confirm(contact: Contact): Promise<string | null> {
    const ms = this.opts.timeoutSec * 1000;
    const late = new AbortController();
    const read = this.opts.reread().then(
      () => null,
      (err: unknown) => `the radio's NodeDB could not be re-read: ${(err as Error).message}`,
    );
    const timedOut = this.opts.clock.sleep(ms, late.signal).then(() => `the radio's NodeDB was not re-read within ${this.opts.timeoutSec} s`);
    const failure = await Promise.race([read, timedOut]);
    late.abort();
    if (failure !== null) return failure;
    const record = this.opts.directory.get(contact.num);
    return confirmation(contact, { key: record?.radioKey ?? null, verified: record?.verified ?? false, inRadio: record?.inRadio ?? false });
  }

  /** Runs `work` unless the same is under way; then its promise is shared (one add_contact, one charge). */
  private joined<T>(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.underWay.get(key) as Promise<T> | undefined;
    if (running) return running;
    const started = work().finally(() => this.underWay.delete(key));
    this.underWay.set(key, started);
    return started;
  }
}
