// Pure decision: is another client taking the radio's single TCP slot?
//
// The firmware serves one TCP client and force-closes the previous one when another connects
// (ServerAPI.cpp, "Force close previous TCP connection"). A phone app that keeps reconnecting
// and a bridge that does the same would kick each other off forever. A radio reboot closes
// the connection once; a slot taken by another client closes it again and again, each time
// right after we got it back. So: count connections that the radio closed after a completed
// handshake; after `threshold` of them within `windowMs`, stop fighting for `backoffMs`.

export interface SlotPolicy {
  /** Radio-side closes after a completed handshake that mean "someone else wants the slot". */
  threshold: number;
  windowMs: number;
  /** How long to leave the slot to the other client. */
  backoffMs: number;
}

export const SLOT_DEFAULTS: SlotPolicy = { threshold: 3, windowMs: 120_000, backoffMs: 300_000 };

export interface CloseFacts {
  /** Epoch ms of the close. */
  at: number;
  /** The handshake of this connection completed (we were configured). */
  configured: boolean;
  /** The radio closed it (end, reset), rather than us (stop, heartbeat or dump timeout). */
  byPeer: boolean;
}

export type SlotVerdict = { kind: "retry" } | { kind: "yield"; closes: number; backoffMs: number; reason: string };

/** Remembers recent force-close-like drops; one instance per radio link. */
export class SlotGuard {
  private closes: number[] = [];

  constructor(private readonly policy: SlotPolicy = SLOT_DEFAULTS) {}

  /** Judges one closed connection; a "yield" verdict forgets the history it was built on. */
  onClose(facts: CloseFacts): SlotVerdict {
    this.closes = this.closes.filter((at) => facts.at - at < this.policy.windowMs);
    if (!facts.configured || !facts.byPeer) return { kind: "retry" };
    this.closes.push(facts.at);
    if (this.closes.length < this.policy.threshold) return { kind: "retry" };
    const closes = this.closes.length;
    this.closes = [];
    const seconds = Math.round(this.policy.backoffMs / 1000);
    return {
      kind: "yield",
      closes,
      backoffMs: this.policy.backoffMs,
      reason: `another client holds the radio's TCP connection; retrying in ${seconds} s`,
    };
  }
}
