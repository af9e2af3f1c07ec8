// Everything the link sends to the mesh on its way to the radio: the bridge's own packets and
// every API client's, through the one pacer (pacer.ts), and their routing results awaited
// (pending.ts) from the moment each is written, so time spent waiting for the firmware's send
// limits never eats into send.timeout. meshtastic.ts owns the connection and hands it in.
import { BROADCAST_NUM, RoutingError } from "../protocol/messages.js";
import type { Clock } from "../timing/clock.js";
import type { PacketWritten, RoutingErrorEvent, SendResult } from "./link.js";
import { BRIDGE_OWNER, Pacer, PacketRefused, type PacedPacket, type PacerOptions } from "./pacer.js";
import { PendingPackets } from "./pending.js";
import { refusedOutright } from "./send-limits.js";
import type { ForwardedPacket } from "./shared.js";

export interface OutboxOptions {
  clock: Clock;
  pacer?: Partial<Omit<PacerOptions, "clock" | "onLength">>;
  /** Packets one API client may have queued or written with their routing result awaited. */
  maxAwaitedPerClient: number;
  /** Writes a ToRadio payload on the connection the link holds; throws while there is none. */
  write: (payload: Uint8Array) => void;
  onRoutingError: (event: RoutingErrorEvent) => void;
  /** The number of packets waiting for the send limits changed. */
  onLength: (length: number) => void;
  /** A packet was written after waiting `waitedMs` in the pacer (the bridge's own or an API client's): the metrics' wait histogram. */
  onWritten?: (written: PacketWritten) => void;
}

/** One of the bridge's own packets: its destination, port, and whether it is a PKI DM. */
export interface OwnPacket {
  to: number;
  port: number;
  pki: boolean;
}

/** A packet whose routing result is awaited: ours (client null) or an API client's. */
interface TrackedPacket {
  id: number;
  to: number;
  /** null: an encrypted packet, whose port is unknown. */
  port: number | null;
  pki: boolean;
  timeoutMs: number;
  client: string | null;
}

export class Outbox {
  private readonly pacer: Pacer;
  private readonly packets: PendingPackets;
  /** Per API client: its packets queued or written whose routing result is awaited. */
  private readonly awaited = new Map<string, number>();

  constructor(private readonly opts: OutboxOptions) {
    this.pacer = new Pacer({ clock: opts.clock, ...opts.pacer, onLength: opts.onLength });
    this.packets = new PendingPackets(opts.onRoutingError);
  }

  get length(): number {
    return this.pacer.length;
  }

  start(): void {
    this.pacer.start();
  }

  stop(): Promise<void> {
    return this.pacer.stop();
  }

  /** A packet of the bridge's own; resolves with its routing result and how long it waited. */
  async ours(packet: OwnPacket, timeoutMs: number, frame: (id: number) => Uint8Array): Promise<SendResult> {
    const id = this.packets.freshId();
    return this.tracked(BRIDGE_OWNER, { ...packet, id, timeoutMs, client: null }, frame(id));
  }

  /** An API client's ToRadio (SharedRadio.forward); the link checked it is connected. */
  async forward(payload: Uint8Array, owner: string, packet: ForwardedPacket | null): Promise<SendResult | null> {
    const refused = packet && refusedOutright(packet);
    if (refused) throw new PacketRefused(refused, RoutingError.BAD_REQUEST);
    // Broadcasts and id 0 (the firmware then picks the id) get no routing result we could match.
    const tracked = packet && packet.id !== 0 && packet.to !== BROADCAST_NUM ? packet : null;
    if (!tracked) {
      await this.paced(owner, packet ? { id: packet.id, port: packet.port } : null, () => this.opts.write(payload));
      return null;
    }
    // Each awaited result is held for up to send.timeout, from the moment the packet is queued:
    // a client's share of them is bounded, or a flood of unanswered unicasts would pile up.
    const awaited = this.awaited.get(owner) ?? 0;
    if (awaited >= this.opts.maxAwaitedPerClient) {
      throw new PacketRefused(`this client already has ${this.opts.maxAwaitedPerClient} packets awaiting their routing result`);
    }
    this.awaited.set(owner, awaited + 1);
    try {
      return await this.tracked(owner, { ...tracked, client: owner }, payload);
    } finally {
      const left = (this.awaited.get(owner) ?? 1) - 1;
      if (left > 0) this.awaited.set(owner, left);
      else this.awaited.delete(owner);
    }
  }

  /**
   * Through the pacer, then its routing result awaited from the moment it is written (not
   * while it waited), with how long it waited.
   */
  private async tracked(owner: string, packet: TrackedPacket, payload: Uint8Array): Promise<SendResult> {
    const routing: { result?: Promise<SendResult> } = {};
    const waitedMs = await this.paced(owner, { id: packet.id, port: packet.port }, () => {
      this.opts.write(payload);
      routing.result = this.packets.track(packet.id, packet.to, packet.timeoutMs, { pki: packet.pki, client: packet.client });
    });
    // Submit resolves only after the write, which set the result.
    return { ...(await (routing.result as Promise<SendResult>)), waitedMs };
  }

  /** Every packet goes through here, so each written one is told once with its wait. */
  private async paced(owner: string, packet: PacedPacket, write: () => void): Promise<number> {
    const waitedMs = await this.pacer.submit(owner, packet, write);
    this.opts.onWritten?.({ waitedMs, client: owner !== BRIDGE_OWNER });
    return waitedMs;
  }

  /** The client `owner` left: what it still has waiting is never written. */
  dropClient(owner: string): void {
    this.pacer.dropOwner(owner, "the client left");
  }

  /** The radio's queueStatus for packet `id`: it took the packet. */
  answered(id: number): void {
    this.pacer.answered(id);
  }

  /** A routing packet answering `requestId`: code 0 is an ACK. */
  settle(requestId: number, routing: { code: number; error: string }): void {
    this.packets.settle(requestId, routing);
  }

  /** The connection is gone (closed, or the radio restarted): what waits fails, what was written hears nothing more. */
  lost(reason: string): void {
    this.pacer.clear(reason);
    this.packets.failAll(reason);
  }
}
