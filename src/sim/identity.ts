// Firmware 2.8 identity in the simulator (FIRMWARE.md, "Firmware 2.8", measured on a real
// 2.8.0 build): a node's number is crc32 of its public key (NodeDB::createNewIdentity), so a
// re-flashed device, with its new key, is a new node; and a first-contact NodeInfo counts as
// signed only when its sender's number is crc32 of the key it carries (Router.cpp). Pure.
import { crc32 } from "../crc32.js";
import { nodeId } from "../node-id.js";
import { BROADCAST_NUM, PUBLIC_KEY_LENGTH } from "../protocol/messages.js";
import { sameBytes, UNMARKED, type SimNode } from "./node.js";

/** The number firmware 2.8 gives the holder of `key`. */
export function keyNumber(key: Uint8Array): number {
  return crc32(key);
}

/** Low numbers are reserved by the firmware; broadcast is never a node. */
export function usableNum(num: number): boolean {
  return num >= 16 && num !== BROADCAST_NUM;
}

/**
 * Gives a keyed node the number of its key, in place. A number that is reserved or already
 * taken (one collision in about 2^32 / n draws) gets a fresh key from `drawKey`, as a device
 * would simply have made another. The generated names end in the old number's last four hex
 * digits; they follow the new number, as a fresh device's default names do.
 */
export function numberByKey(node: SimNode, taken: (num: number) => boolean, drawKey: () => Uint8Array): void {
  if (node.publicKey === null) return;
  if (!usableNum(keyNumber(node.publicKey)) || taken(keyNumber(node.publicKey))) node.publicKey = identityKey(drawKey, taken);
  const num = keyNumber(node.publicKey);
  const oldTail = node.id.slice(-4);
  const id = nodeId(num);
  const newTail = id.slice(-4);
  if (node.longName.endsWith(oldTail)) node.longName = node.longName.slice(0, -4) + newTail;
  if (node.shortName === oldTail) node.shortName = newTail;
  else if (node.shortName === oldTail.toUpperCase()) node.shortName = newTail.toUpperCase();
  node.num = num;
  node.id = id;
}

/** A fresh key whose number is usable and not `taken`. */
export function identityKey(drawKey: () => Uint8Array, taken: (num: number) => boolean): Uint8Array {
  for (;;) {
    const key = drawKey();
    if (usableNum(keyNumber(key)) && !taken(keyNumber(key))) return key;
  }
}

/**
 * A generated mesh (generate.ts) renumbered for 2.8, in place: our own node and every keyed
 * node by its key; a keyless node (older firmware) keeps its drawn number unless a key's took
 * it. Every seventh keyed node is known only from a unicast NodeInfo reply, which is never
 * signed (only broadcasts are); the others have broadcast one the radio verified.
 */
export function numberMeshByKeys(mesh: { own: SimNode; nodes: SimNode[] }, drawKey: () => Uint8Array, drawNum: () => number): void {
  const used = new Set<number>();
  const taken = (num: number): boolean => used.has(num);
  numberByKey(mesh.own, taken, drawKey);
  used.add(mesh.own.num);
  mesh.nodes.forEach((node, i) => {
    if (node.publicKey !== null) {
      numberByKey(node, taken, drawKey);
      node.xeddsaSigned = i % 7 !== 3;
    } else {
      while (used.has(node.num)) node.num = drawNum();
      node.id = nodeId(node.num);
    }
    used.add(node.num);
  });
}

/**
 * The device after a 2.8 re-flash: a new key and the number it implies, the user as it was
 * (long and short name, hardware, role: the owner set them again), nothing the radio had
 * learned about the old identity. `key` must already give a usable, untaken number.
 */
export function reflashedIdentity(device: SimNode, key: Uint8Array): SimNode {
  if (key.length !== PUBLIC_KEY_LENGTH) throw new RangeError(`a public key has ${PUBLIC_KEY_LENGTH} bytes, not ${key.length}`);
  const num = keyNumber(key);
  return {
    ...device,
    num,
    id: nodeId(num),
    publicKey: Uint8Array.from(key),
    ...UNMARKED,
  };
}

/**
 * Whether the radio marks a received NodeInfo as XEdDSA-verified: the sender signs only with
 * a key (2.8 nodes; keyless ones run older firmware), and the radio checks the signature
 * against the key it holds, or, at first contact, against the key carried when the sender's
 * number is crc32 of it. An impostor's key under someone else's number never verifies.
 */
export function verifiesSigned(num: number, sent: Uint8Array | null, stored: Uint8Array | null): boolean {
  return sent !== null && keyNumber(sent) === num >>> 0 && (stored === null || sameBytes(stored, sent));
}
