// Keeps every connected client's node list equal to what a fresh handshake would serve. A
// client learns the NodeDB once, in its handshake; afterwards the bridge re-reads the radio,
// the directory learns keys and the radio takes NodeInfos it hears. Each of these sends a
// client one node_info per node it does not have as served now, and nothing for the rest.
import type { LogPort } from "../log-port.js";
import { nodeId } from "../node-id.js";
import { encodeFrame } from "../protocol/frames.js";
import { PortNum, decodeUser, type MeshPacket, type User } from "../protocol/messages.js";
import { validKey } from "../radio/packets.js";
import type { HandshakeCache, RadioFrame } from "../radio/shared.js";
import { identityOf, userAfterNodeInfo } from "./known.js";
import { servedNode, type DirectoryKeys, type RadioNodes, type ServedNode } from "./nodes.js";
import type { ApiSession } from "./session.js";
import type { ClientView } from "./view.js";

export interface NodeUpdatesOptions {
  keys: DirectoryKeys;
  directoryNodes: boolean;
  sessions(): Iterable<ApiSession>;
  /** The radio's cache while it is connected. */
  cache(): HandshakeCache | null;
  index(cache: HandshakeCache): RadioNodes;
  /** What a handshake is served from now (built with `live`). */
  view(): ClientView | null;
  log: LogPort;
}

/** A NodeInfo packet the radio passed on: who sent it and the user it carries. */
function heardUser(frame: RadioFrame, myNodeNum: number): { num: number; user: User } | null {
  const variant = frame.message.payloadVariant;
  if (variant.case !== "packet") return null;
  const packet: MeshPacket = variant.value;
  if (packet.payloadVariant.case !== "decoded" || packet.payloadVariant.value.portnum !== PortNum.NODEINFO_APP) return null;
  if (packet.from === myNodeNum || packet.from === 0) return null;
  try {
    return { num: packet.from >>> 0, user: decodeUser(packet.payloadVariant.value.payload) };
  } catch {
    return null;
  }
}

export class NodeUpdates {
  /** Users the radio took from NodeInfos heard since its last re-read of the nodes. */
  readonly live = new Map<number, User>();
  private liveNodes: HandshakeCache["nodes"] | null = null;

  constructor(private readonly opts: NodeUpdatesOptions) {}

  /** The cache changed: after a re-read of the nodes the radio's own list replaces what was heard meanwhile. */
  cacheChanged(cache: HandshakeCache | null): void {
    if (cache && cache.nodes !== this.liveNodes) {
      this.live.clear();
      this.liveNodes = cache.nodes;
    }
  }

  /** After a re-read: each client gets the nodes a fresh handshake has and it lacks. */
  catchUp(): number {
    const view = this.opts.view();
    if (view === null) return 0;
    const frames = new Map<number, { framed: Buffer; identity: string } | null>();
    let sent = 0;
    for (const session of this.ready()) {
      for (const num of session.known!.catchUp(view.identities)) {
        let node = frames.get(num);
        if (node === undefined) frames.set(num, (node = this.framed(this.served(num))));
        if (node === null) continue;
        session.known!.set(num, node.identity);
        session.deliver(node.framed);
        sent += 1;
      }
    }
    if (sent > 0) this.opts.log.debug({ frames: sent, nodes: frames.size }, "node_infos sent to API clients after a re-read");
    return sent;
  }

  /**
   * A directory change for `num`: the directory's key is served only where the radio's entry
   * has none, so a node the radio holds a key for is not news, and a sync touching thousands
   * of entries builds nothing for them.
   */
  directoryChanged(num: number): void {
    const cache = this.opts.cache();
    if (cache === null || !this.anyReady()) return;
    if (num === cache.myNodeNum || validKey((this.live.get(num) ?? this.radioUser(cache, num))?.publicKey)) return;
    this.offer(this.served(num));
  }

  /**
   * A frame the radio passed on to every client. A NodeInfo packet: the clients take its user
   * as it is (the apps and the Python library do), whatever the radio did with it. What the
   * radio keeps (FIRMWARE.md: never a new key over a stored one) is what a fresh handshake
   * serves; a client that now holds something else is sent that.
   */
  passedOn(frame: RadioFrame): boolean {
    const cache = this.opts.cache();
    if (cache === null) return false;
    const heard = heardUser(frame, cache.myNodeNum);
    if (heard === null) return false;
    const { num, user } = heard;
    const held = this.live.get(num) ?? this.radioUser(cache, num);
    const kept = userAfterNodeInfo(held, user, validKey(this.radioUser(cache, cache.myNodeNum)?.publicKey));
    if (kept) this.live.set(num, kept);
    else this.opts.log.debug({ id: nodeId(num) }, `the radio keeps its key for ${nodeId(num)}: the clients are sent that one`);
    const heardIdentity = identityOf(user);
    for (const session of this.ready()) session.known!.set(num, heardIdentity);
    this.offer(this.served(num));
    return true;
  }

  private served(num: number): ServedNode | null {
    const cache = this.opts.cache();
    if (cache === null) return null;
    return servedNode(num, this.opts.index(cache), this.opts.keys, this.opts.directoryNodes, cache.myNodeNum, this.live.get(num));
  }

  private framed(node: ServedNode | null): { framed: Buffer; identity: string } | null {
    return node ? { framed: encodeFrame(node.payload), identity: node.identity } : null;
  }

  /** `node` to each client that does not have it as it is. */
  private offer(node: ServedNode | null): void {
    if (node === null) return;
    let framed: Buffer | null = null;
    for (const session of this.ready()) {
      if (session.known!.get(node.num) === node.identity) continue;
      session.known!.set(node.num, node.identity);
      session.deliver((framed ??= encodeFrame(node.payload)));
    }
  }

  private radioUser(cache: HandshakeCache, num: number): User | undefined {
    const variant = this.opts.index(cache).frames.get(num)?.message.payloadVariant;
    return variant?.case === "nodeInfo" ? (variant.value).user : undefined;
  }

  private *ready(): Generator<ApiSession> {
    for (const session of this.opts.sessions()) if (session.state === "ready" && session.known !== null) yield session;
  }

  private anyReady(): boolean {
    return !this.ready().next().done;
  }
}
