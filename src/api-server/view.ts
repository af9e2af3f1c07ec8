// What every client of one moment is served, built once per change of the radio's cache or
// the directory and shared by all: the handshake's parts already framed, so a handshake is
// a copy from memory and a config_complete_id with the client's nonce. Pure.
import { encodeFrame } from "../protocol/frames.js";
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, type User } from "../protocol/messages.js";
import type { HandshakeCache, RadioFrame } from "../radio/shared.js";
import { servedNodes, type DirectoryKeys, type RadioNodes } from "./nodes.js";
import { configComplete } from "./replies.js";
import { forClients } from "./secrets.js";

export interface ViewOptions {
  /** api_server.admin: the private key passes through. */
  admin: boolean;
  directoryNodes: boolean;
}

function framed(payloads: Iterable<Uint8Array>): Buffer {
  const frames: Buffer[] = [];
  for (const payload of payloads) frames.push(encodeFrame(payload));
  return Buffer.concat(frames);
}

export class ClientView {
  /** Every node this view serves, by number: what a client has of each once it handshook from it. */
  readonly identities: ReadonlyMap<number, string>;
  private readonly head: Uint8Array[];
  private readonly own: Uint8Array | null;
  private readonly nodes: Uint8Array[];
  private readonly tail: Uint8Array[];
  private readonly parts = new Map<"full" | "config" | "nodes", Buffer>();

  constructor(
    readonly cache: HandshakeCache,
    /** radioNodes(cache), shared with whoever else reads the same cache. */
    readonly radio: RadioNodes,
    keys: DirectoryKeys,
    options: ViewOptions,
    /** Users the radio took from live NodeInfos since its last re-read. */
    live?: ReadonlyMap<number, User>,
  ) {
    const clean = (frames: readonly RadioFrame[]): Uint8Array[] =>
      options.admin ? frames.map((f) => f.bytes) : frames.map(forClients).filter((b): b is Uint8Array => b !== null);
    this.head = clean(cache.head);
    this.own = cache.own?.bytes ?? null;
    this.tail = clean(cache.tail);
    const served = servedNodes(cache, this.radio, keys, options.directoryNodes, live);
    this.nodes = served.payloads;
    this.identities = served.identities;
  }

  /**
   * The answer to want_config `nonce` (PhoneAPI.cpp): 69421 the own node_info and the other
   * nodes; 69420 everything but the other nodes; any other nonce everything. Each ends with
   * config_complete_id echoing the nonce.
   */
  handshake(nonce: number): Buffer[] {
    const kind = nonce === NONCE_ONLY_NODES ? "nodes" : nonce === NONCE_ONLY_CONFIG ? "config" : "full";
    return [this.part(kind), encodeFrame(configComplete(nonce))];
  }

  private part(kind: "full" | "config" | "nodes"): Buffer {
    let bytes = this.parts.get(kind);
    if (bytes === undefined) {
      if (kind === "nodes") bytes = framed(this.own ? [this.own, ...this.nodes] : this.nodes);
      else if (kind === "config") bytes = framed([...this.head, ...this.tail]);
      else bytes = framed([...this.head, ...this.nodes, ...this.tail]);
      this.parts.set(kind, bytes);
    }
    return bytes;
  }
}
