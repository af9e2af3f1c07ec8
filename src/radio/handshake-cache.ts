// The radio's answer to want_config as the radio gave it, kept for consumers that serve it
// again (the API server): every frame decoded once, with its bytes, in the radio's order.
// A nodes-only re-read (69421) replaces the nodes, a config-only one (69420) the rest.
// Pure: the radio link records frames into a FrameRecorder and swaps in nextCache().
import type { FromRadio } from "../protocol/messages.js";

/** One FromRadio frame: decoded once at the edge, with the payload it was decoded from. */
export interface RadioFrame {
  readonly message: FromRadio;
  /** The FromRadio payload (no frame header), as received. Never written to. */
  readonly bytes: Uint8Array;
}

export interface HandshakeCache {
  /**
   * Everything the radio sent before the other nodes, in its order (PhoneAPI.cpp: my_info,
   * deviceuiConfig, own node_info, metadata, channels, config, module config), own node included.
   */
  readonly head: readonly RadioFrame[];
  /** The radio's own node_info (also in head), when it sent one. */
  readonly own: RadioFrame | null;
  /** Every other node_info, in the radio's order. */
  readonly nodes: readonly RadioFrame[];
  /** What followed the nodes (the file manifest), in order. config_complete_id is not kept. */
  readonly tail: readonly RadioFrame[];
  readonly myNodeNum: number;
  /** Counts up at every change: whatever was derived from an older cache is stale. */
  readonly version: number;
}

/** What a download re-read: the whole handshake, the nodes (69421) or the configuration (69420). */
export type CacheKind = "full" | "nodes" | "config";

export type FramePart = "own" | "node" | "other";

/** The frames of one download, sorted into the cache's parts as they arrive. */
export class FrameRecorder {
  readonly head: RadioFrame[] = [];
  readonly nodes: RadioFrame[] = [];
  readonly tail: RadioFrame[] = [];
  own: RadioFrame | null = null;

  add(frame: RadioFrame, part: FramePart): void {
    if (part === "node") {
      this.nodes.push(frame);
      return;
    }
    if (part === "own") this.own = frame;
    // The file manifest, and anything once the other nodes began, follows the nodes.
    const after = this.nodes.length > 0 || this.tail.length > 0 || frame.message.payloadVariant.case === "fileInfo";
    (after ? this.tail : this.head).push(frame);
  }
}

/**
 * The cache after a download of `kind`. A download that lists no other node keeps the nodes
 * already known: 2.8's access control answers an unauthorised nodes request with the own
 * node alone, which means "nothing learned", never "every node vanished" (FIRMWARE.md).
 */
export function nextCache(prev: HandshakeCache | null, got: FrameRecorder, kind: CacheKind, myNodeNum: number): HandshakeCache | null {
  const version = (prev?.version ?? 0) + 1;
  const nodes = got.nodes.length > 0 || prev === null ? got.nodes : prev.nodes;
  switch (kind) {
    case "full":
      return { head: got.head, own: got.own, nodes, tail: got.tail, myNodeNum, version };
    case "nodes": {
      if (prev === null) return null;
      const own = got.own ?? prev.own;
      const head = prev.own && own !== prev.own ? prev.head.map((f) => (f === prev.own ? own : f)).filter((f): f is RadioFrame => f !== null) : prev.head;
      return { head, own, nodes, tail: prev.tail, myNodeNum: prev.myNodeNum, version };
    }
    case "config":
      return { head: got.head, own: got.own ?? prev?.own ?? null, nodes: prev?.nodes ?? [], tail: got.tail, myNodeNum, version };
  }
}
