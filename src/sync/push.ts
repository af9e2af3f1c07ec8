// Push (push.enabled): give the radio a key it lacks, with AdminMessage.add_contact. Only
// when the radio says it lacks the key (or a user asks), never over a key the radio holds,
// never an empty key, never for a node the radio ignores, only with a key our radio or a
// trusted gateway learned, and at most push.max_per_hour (add_contact also marks the node
// favourite on the radio).
import type { KeyDirectory } from "../directory/keys.js";
import type { KeyRecord } from "../directory/record.js";
import type { Contact, NodeDbDump, Radio, RadioEvents, RoutingErrorEvent } from "../radio/link.js";
import { listen } from "../lifecycle.js";
import { nodeId } from "../node-id.js";
import type { Clock } from "../timing/clock.js";
import { CommandRefused } from "./errors.js";
import { SlidingLimit } from "../timing/limit.js";

export class PushRefused extends CommandRefused {}

export interface PushOptions {
  /** push.enabled: off, every push is refused. */
  enabled: boolean;
  radio: Radio;
  directory: KeyDirectory;
  clock: Clock;
  maxPerHour: number;
  /** share.trust: gateways whose keys we may push. */
  trust: readonly string[];
  timeoutSec: number;
}

/** Decides whether a node's key may be pushed; pure. */
export function pushVerdict(record: Readonly<KeyRecord> | undefined, radioHasKey: boolean, trust: readonly string[]): { contact: Contact } | { refused: string } {
  if (!record) return { refused: "the node is not in the key directory" };
  if (record.key === null || record.key.length !== 32) return { refused: `our key directory has no key for ${record.id}` };
  if (radioHasKey) return { refused: `the radio already holds a key for ${record.id}` };
  if (record.ignored) return { refused: `the radio marks ${record.id} as ignored` };
  const origin = record.origin;
  const trusted = origin === "nodedb" || origin === "packet" || (origin?.startsWith("gateway:") === true && (trust.includes("*") || trust.includes(origin.slice("gateway:".length))));
  if (!trusted) return { refused: `the key of ${record.id} came from ${origin ?? "nowhere"}, not from our radio or a trusted gateway` };
  return { contact: { num: record.num, longName: record.longName, shortName: record.shortName, publicKey: record.key } };
}

export class KeyPusher {
  /** Node numbers the radio holds a key for, from its last NodeDB and what it told us since. */
  private readonly radioKeys = new Set<number>();
  private readonly limit: SlidingLimit;
  private unlisten: (() => void) | null = null;
  private readonly on = {
    dump: (dump: NodeDbDump): void => {
      // A dump with only the radio's own node (2.8 access control) says nothing about the rest.
      if (dump.nodes.length === 0) return;
      this.radioKeys.clear();
      for (const node of dump.own ? [dump.own, ...dump.nodes] : dump.nodes) if (node.publicKey) this.radioKeys.add(node.num);
    },
    routingError: (event: RoutingErrorEvent): void => {
      if (event.error === "PKI_SEND_FAIL_PUBLIC_KEY" && event.to !== null) this.radioKeys.delete(event.to);
    },
  };

  constructor(private readonly opts: PushOptions) {
    this.limit = new SlidingLimit(opts.maxPerHour, 3_600_000);
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

  /** Pushes one node's key; resolves with what was pushed, throws PushRefused with the reason. */
  async push(num: number): Promise<{ id: string; fingerprint: string }> {
    if (!this.opts.enabled) throw new PushRefused("push is off (push.enabled)");
    const record = this.opts.directory.get(num);
    const verdict = pushVerdict(record, this.radioKeys.has(num), this.opts.trust);
    if ("refused" in verdict) throw new PushRefused(verdict.refused);
    if (!this.limit.take(this.opts.clock.now())) throw new PushRefused(`refused: more than ${this.opts.maxPerHour} pushes per hour (push.max_per_hour)`);
    const result = await this.opts.radio.addContact(verdict.contact, this.opts.timeoutSec * 1000);
    if (!result.ok) throw new PushRefused(`the radio refused add_contact: ${result.error}`);
    this.radioKeys.add(num);
    return { id: nodeId(num), fingerprint: record?.fingerprint ?? "" };
  }
}
