// What one client believes of each node: the user and key it was last sent for it, from its
// handshake or later. A client keeps every node_info it is given (the apps and the Python
// library replace their entry by number), so a change the bridge learns reaches it as one
// node_info for that node, never as a flood of nodes it already has. Pure.
import type { User } from "../protocol/messages.js";
import { validKey } from "../radio/packets.js";

/**
 * A node's identity as a client shows it: names, role, hardware and key. Position, last heard
 * and signal change at every re-read and are not news worth a frame.
 */
export function identityOf(user: Readonly<User> | undefined): string {
  if (!user) return "";
  const key = validKey(user.publicKey);
  return [user.longName, user.shortName, user.hwModel, user.role, user.isLicensed, user.isUnmessagable ?? "", key ? Buffer.from(key).toString("hex") : ""].join("\u0000");
}

/**
 * The user the radio holds after it heard a NodeInfo (NodeDB::updateUser, FIRMWARE.md): the
 * heard user, keeping the stored key when the NodeInfo carries none; unchanged (null) when the
 * NodeInfo would replace a stored key or advertises the radio's own key.
 */
export function userAfterNodeInfo(held: Readonly<User> | undefined, heard: Readonly<User>, ownKey: Uint8Array | null): User | null {
  const heardKey = validKey(heard.publicKey);
  const heldKey = validKey(held?.publicKey);
  if (heardKey && ownKey && Buffer.from(heardKey).equals(Buffer.from(ownKey))) return null;
  if (heardKey && heldKey && !Buffer.from(heardKey).equals(Buffer.from(heldKey))) return null;
  return heardKey || !heldKey ? heard : { ...heard, publicKey: heldKey };
}

/**
 * One client's nodes: the view it handshook from (shared, never copied) and what it was sent
 * since, which a newer view takes over at each catch-up.
 */
export class KnownNodes {
  private base: ReadonlyMap<number, string>;
  private since = new Map<number, string>();

  constructor(base: ReadonlyMap<number, string>) {
    this.base = base;
  }

  get(num: number): string | undefined {
    return this.since.get(num) ?? this.base.get(num);
  }

  set(num: number, identity: string): void {
    this.since.set(num, identity);
  }

  /**
   * The nodes of `served` (a fresh handshake's identities) this client does not have as they
   * are there, in `served`'s order; afterwards the client counts as having all of `served`.
   * Nodes the client has and `served` lacks (an evicted node) stay as they were: no frame
   * takes a node away from a client.
   */
  catchUp(served: ReadonlyMap<number, string>): number[] {
    if (served === this.base && this.since.size === 0) return [];
    const news: number[] = [];
    for (const [num, identity] of served) if (this.get(num) !== identity) news.push(num);
    const kept = new Map<number, string>();
    for (const [num, identity] of this.since) if (!served.has(num)) kept.set(num, identity);
    for (const [num, identity] of this.base) if (!served.has(num) && !kept.has(num)) kept.set(num, identity);
    this.base = served;
    this.since = kept;
    return news;
  }
}
