// How long a real radio takes to start answering, as measured on meshtasticd 2.7.26 with 4
// nodes (FIRMWARE.md "Measured on real firmware"): a nodes-only re-read 2-230 ms, a full
// handshake 21-94 ms, a heartbeat ~30 ms. Off by default so fast tests stay fast; on, it
// catches a client that expects an answer in the same tick. Pure over a seeded PRNG, so a
// seed always gives the same delays in the same order.
import { Prng } from "./prng.js";

export type Answer = "full" | "nodesOnly" | "configOnly" | "heartbeat";

/** The measured spread at 4 nodes: [lowest, highest] ms. */
const SPREAD: Record<Answer, [number, number]> = {
  nodesOnly: [2, 230],
  full: [21, 94],
  configOnly: [21, 94],
  heartbeat: [25, 35],
};

/** Each node beyond the measured 4 adds this much to a dump's start (more NodeDB to walk). */
const MS_PER_NODE = 0.5;
const MEASURED_NODES = 4;

export class Latency {
  private readonly prng: Prng;

  constructor(seed: number) {
    this.prng = new Prng(seed + 0x1a7e);
  }

  /** Ms before the radio starts answering `what`; `nodes`: other nodes in the NodeDB. */
  delayMs(what: Answer, nodes: number): number {
    const [low, high] = SPREAD[what];
    const spread = low + this.prng.next() * (high - low);
    const growth = what === "heartbeat" || what === "configOnly" ? 0 : Math.max(0, nodes - MEASURED_NODES) * MS_PER_NODE;
    return Math.round(spread + growth);
  }
}
