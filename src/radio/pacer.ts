// The one pacer for everything the link sends to the mesh: the bridge's DMs and pushes and
// every API client's packets wait here, and are written only when the firmware will take them
// (send-limits.ts), in the order pacer-queue.ts decides. Flow control comes from the radio
// itself: it answers every packet a client writes with a queueStatus carrying the packet's id
// (FIRMWARE.md, measured), so at most `window` packets are written and not yet answered. A radio
// that reads slowly (a serial line) therefore slows the writes instead of our buffers growing,
// and the link's heartbeats, written beside the pacer, never queue behind a flood.
import { RoutingError } from "../protocol/messages.js";
import type { Clock } from "../timing/clock.js";
import { Loop } from "../timing/loop.js";
import { Wake } from "../timing/wake.js";
import { BRIDGE_OWNER, PacerQueue } from "./pacer-queue.js";
import { FIRMWARE_SEND_LIMITS_MS, PortWindows } from "./send-limits.js";

export { BRIDGE_OWNER } from "./pacer-queue.js";

/** A packet that was never written to the radio (the link went away, its client left): why. */
export class NotSent extends Error {}

/**
 * A packet refused at once, nothing written: the queue or its owner's share is full, or the
 * firmware would drop it anyway. An API client hears `code` as the routing error for its packet.
 */
export class PacketRefused extends NotSent {
  constructor(
    message: string,
    readonly code: number = RoutingError.RATE_LIMIT_EXCEEDED,
  ) {
    super(message);
  }
}

export interface PacerOptions {
  clock: Clock;
  /** Per port, ms between packets. Default: the firmware's (FIRMWARE_SEND_LIMITS_MS). */
  limitsMs?: ReadonlyMap<number, number>;
  /** Added to every port window. */
  marginMs?: number;
  /** Packets written and not yet answered by the radio; clients may use all but one, the bridge all. */
  window?: number;
  /** A packet the radio does not answer within this is counted as answered then (older firmware). */
  answerTimeoutMs?: number;
  /** Packets waiting, all owners together. */
  maxQueued?: number;
  /** Packets waiting per API client. */
  maxPerOwner?: number;
  /**
   * The number of packets left waiting changed. Told when the pacer has nothing more to write
   * for now, so a packet written at once never shows as waiting.
   */
  onLength?: (length: number) => void;
}

/** How many of the packets written last are remembered, so a second queueStatus for one is ignored (the Linux build answers twice). */
const RECENT_IDS = 64;

/**
 * marginMs: a port's window already starts at the radio's answer, after the firmware stamped
 * the packet, and the next packet still has to cross the line: the margin only covers timer
 * rounding (the firmware refuses a gap under 2,000 ms and takes 2,000).
 */
export const PACER_DEFAULTS = { marginMs: 25, window: 4, answerTimeoutMs: 3_000, maxQueued: 256, maxPerOwner: 32 };

/** A MeshPacket's facts the pacer needs; null for a ToRadio that is not a packet (no answer, no port). */
export type PacedPacket = { id: number; port: number | null } | null;

interface Entry {
  owner: string;
  port: number | null;
  packet: PacedPacket;
  queuedAt: number;
  write: () => void;
  resolve: (waitedMs: number) => void;
  reject: (err: Error) => void;
}

export class Pacer {
  private readonly opts: Required<Omit<PacerOptions, "onLength" | "limitsMs">>;
  private readonly queue = new PacerQueue<Entry>();
  private readonly windows: PortWindows;
  /** Written, not yet answered: by packet id, or a negative serial for id 0 (the radio picks that id). */
  private readonly unanswered = new Map<number, { port: number | null; until: number }>();
  private serial = 0;
  /** The ids of the last RECENT_IDS packets written, answered or not (a repeated answer names one). */
  private readonly recent = new Set<number>();
  private reported = 0;
  private readonly loop = new Loop();
  private readonly wakeup: Wake;

  constructor(private readonly options: PacerOptions) {
    const { onLength: _onLength, limitsMs, ...rest } = options;
    this.opts = { ...PACER_DEFAULTS, ...rest };
    this.windows = new PortWindows(limitsMs ?? FIRMWARE_SEND_LIMITS_MS, this.opts.marginMs);
    this.wakeup = new Wake(options.clock);
  }

  get length(): number {
    return this.queue.length;
  }

  start(): void {
    this.loop.start((signal) => this.run(signal));
  }

  async stop(): Promise<void> {
    await this.loop.stop(() => this.wake());
    this.clear("the radio link stopped");
  }

  /**
   * Queues `write` for `owner`; resolves with how long it waited once written, rejects with
   * PacketRefused at once when the queue or the owner's share is full, or with NotSent when it
   * is never written (`write` threw on a closed line, the link was lost, its owner left).
   */
  submit(owner: string, packet: PacedPacket, write: () => void): Promise<number> {
    const { maxQueued, maxPerOwner } = this.opts;
    if (this.queue.length >= maxQueued) {
      return Promise.reject(new PacketRefused(`the send queue is full (${maxQueued} packets wait for the radio's send limits)`));
    }
    if (owner !== BRIDGE_OWNER && this.queue.lengthOf(owner) >= maxPerOwner) {
      return Promise.reject(new PacketRefused(`this client already has ${maxPerOwner} packets waiting for the radio's send limits`));
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ owner, port: packet?.port ?? null, packet, queuedAt: this.opts.clock.now(), write, resolve, reject });
      this.wake();
    });
  }

  /** The radio's queueStatus for packet `id`: it took the packet. */
  answered(id: number): void {
    let key: number | undefined = this.unanswered.has(id) ? id : undefined;
    // An id the radio chose itself (we wrote id 0): the oldest such packet. Not an id we wrote
    // and saw answered already: the firmware's Linux build answers each packet a second time
    // when its simulated LoRa sends it (measured), which must not release another packet.
    if (key === undefined && id !== 0 && !this.recent.has(id)) for (const k of this.unanswered.keys()) if (k < 0) { key = k; break; }
    if (key === undefined) return;
    this.release(key, this.opts.clock.now());
    this.wake();
  }

  /** Drops what `owner` still has waiting (its client left); those packets are never written. */
  dropOwner(owner: string, reason: string): void {
    const dropped = this.queue.drop(owner);
    for (const entry of dropped) entry.reject(new NotSent(reason));
    this.changed();
  }

  /** The connection is gone: what waits fails, and nothing written on it is awaited any more. */
  clear(reason: string): void {
    const now = this.opts.clock.now();
    for (const key of [...this.unanswered.keys()]) this.release(key, now);
    const dropped = this.queue.drain();
    for (const entry of dropped) entry.reject(new NotSent(`connection lost: ${reason}`));
    this.changed();
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const now = this.opts.clock.now();
      const expiry = this.expire(now);
      const unanswered = this.unanswered.size;
      const room = { bridge: unanswered < this.opts.window, clients: unanswered < this.opts.window - 1 };
      const pick = this.queue.pick({ now, freeAt: (port, at) => this.windows.freeAt(port, at), room });
      if ("entry" in pick) {
        this.write(pick.entry, now);
        continue;
      }
      this.changed();
      await this.wakeup.until(Math.min(pick.until ?? Infinity, expiry), signal);
    }
  }

  private write(entry: Entry, now: number): void {
    try {
      entry.write();
    } catch (err) {
      entry.reject(new NotSent((err as Error).message));
      return;
    }
    if (entry.packet) {
      if (entry.packet.id !== 0) this.remember(entry.packet.id);
      const key = entry.packet.id !== 0 ? entry.packet.id : -++this.serial;
      this.unanswered.set(key, { port: entry.port, until: now + this.opts.answerTimeoutMs });
      this.windows.sent(entry.port);
    }
    entry.resolve(now - entry.queuedAt);
  }

  /** Counts unanswered packets past their timeout as answered; returns the next timeout (Infinity: none). */
  private expire(now: number): number {
    let next = Infinity;
    for (const [key, { until }] of this.unanswered) {
      if (until <= now) this.release(key, now);
      else next = Math.min(next, until);
    }
    return next;
  }

  private remember(id: number): void {
    this.recent.delete(id);
    this.recent.add(id);
    // A Set iterates in insertion order: the first is the oldest.
    if (this.recent.size > RECENT_IDS) this.recent.delete(this.recent.values().next().value as number);
  }

  private release(key: number, now: number): void {
    const written = this.unanswered.get(key);
    if (!written) return;
    this.unanswered.delete(key);
    this.windows.answered(written.port, now);
  }

  private wake(): void {
    this.wakeup.now();
  }

  private changed(): void {
    if (this.queue.length === this.reported) return;
    this.reported = this.queue.length;
    this.options.onLength?.(this.reported);
  }
}
