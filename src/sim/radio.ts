// SimRadio: the simulated radio with its controls. Tests and the demo schedule use these to
// make the mesh do things; the controls of the link to clients are in link-controls.ts, the
// TCP side and the answers to clients in server.ts.
import type { MeshPacketInit } from "../protocol/messages.js";
import { packetWithSigned } from "../protocol/signed-flags.js";
import { runDemo, type DemoOptions } from "./demo.js";
import { encryptedPacket, nodeInfoPacket, warningFrame, pkiDmPacket, positionPacket, telemetryPacket } from "./encode.js";
import { sameBytes } from "./node.js";
import type { SimNode } from "./nodedb.js";
import type { SimRadioOptions } from "./options.js";
import { Prng } from "./prng.js";
import { SimLinkControls } from "./link-controls.js";
import { keyNumber, verifiesSigned } from "./identity.js";

export class SimRadio extends SimLinkControls {
  private demo: AbortController | null = null;
  private ownKeyWarned = false;
  private readonly demoPrng: Prng;

  constructor(options: SimRadioOptions = {}) {
    super(options);
    this.demoPrng = new Prng(this.options.seed + 7);
  }

  /** The radio's NodeDB (other nodes, in dump order). Read-only: change it through the controls. */
  get nodes(): ReadonlyMap<number, Readonly<SimNode>> {
    return new Map(this.db.list().map((n) => [n.num, n]));
  }

  get ownNode(): Readonly<SimNode> {
    return this.db.own;
  }

  /** The fake private key sent in the `security` config section. */
  get ownPrivateKey(): Uint8Array {
    return Uint8Array.from(this.db.ownPrivateKey);
  }

  /** The radio learns nodes (with keys) and tells the client nothing. */
  addNodesSilently(count: number): SimNode[] {
    return this.db.addNodes(count, this.nowSeconds());
  }

  /** Devices on the air the radio has not heard yet (no NodeDB entry until they are heard). */
  addDevices(count: number): SimNode[] {
    return this.db.addDevices(count);
  }

  /**
   * The node broadcasts its NodeInfo (NODEINFO_APP, the User with its key). Returns the packet
   * id. The packet always reaches the client; the NodeDB stores the user only as
   * NodeDB::updateUser allows (never over a stored key, never our own key). `key` makes it
   * carry another key: a second device or an impersonator with the same node number.
   * In 2.8 mode a broadcast the radio can verify (identity.ts) is marked xeddsa_signed, and
   * the node's entry has_xeddsa_signed from then on.
   */
  deliverNodeInfo(num: number, key?: Uint8Array): number {
    return this.hearNodeInfo(num, key, false);
  }

  /**
   * The node's NodeInfo as a unicast reply to our radio (to a want_response request): stored
   * as a broadcast is, but never signed (2.8 signs broadcasts only). Returns the packet id.
   */
  deliverNodeInfoReply(num: number): number {
    return this.hearNodeInfo(num, undefined, true);
  }

  private hearNodeInfo(num: number, key: Uint8Array | undefined, reply: boolean): number {
    return this.live(num, (node, o) => {
      const sender = key ? { ...node, publicKey: Uint8Array.from(key) } : node;
      const stored = this.db.get(num)?.publicKey ?? null;
      const signed = !reply && this.db.numbersFromKeys && verifiesSigned(num, sender.publicKey, stored);
      const outcome = this.db.receiveUser(num, sender, signed);
      if (outcome === "key_mismatch" || outcome === "own_key" || outcome === "unsigned") {
        this.stats.nodeInfoRefused += 1;
        this.emit("nodeInfoRefused", { from: num >>> 0, reason: outcome });
      }
      // NodeDB::updateUser warns the client once ("duplicateWarned") about a node
      // advertising our own public key.
      if (outcome === "own_key" && !this.ownKeyWarned) {
        this.ownKeyWarned = true;
        const text = `Remote device ${sender.longName} has advertised your public key. This may indicate a compromised key. You may need to regenerate your public keys.`;
        this.deliverFrame(warningFrame(text, o.rxTime));
      }
      const packet = nodeInfoPacket(sender, o, reply ? this.db.own.num : undefined);
      return signed ? packetWithSigned(packet, true) : packet;
    });
  }

  /** A packet the radio could not decrypt (no matching channel): the `encrypted` variant. */
  deliverEncrypted(num: number): number {
    const ciphertext = this.db.randomBytes(24);
    const channelHash = 0x1f; // matches none of our channels
    return this.live(num, (node, o) => encryptedPacket(node, ciphertext, channelHash, o));
  }

  /**
   * A PKI DM to us. The radio drops it when it lacks the sender's key (Router.cpp
   * perhapsDecode: "failed decoding, dropping packet"): returns null and the client sees nothing.
   */
  deliverPkiDm(fromNum: number, text: string): number | null {
    const key = this.db.get(fromNum)?.publicKey ?? null;
    const deviceKey = this.db.requireDevice(fromNum).publicKey;
    // A re-flashed sender encrypts with its new key; the radio, holding the old one, cannot decode.
    const reason = !key ? "PKI DM from a sender whose key the radio lacks" : !deviceKey || !sameBytes(key, deviceKey) ? "PKI DM from a sender whose key differs from the radio's" : null;
    if (reason !== null || key === null) {
      this.stats.pkiDropped += 1;
      this.emit("dropped", { from: fromNum >>> 0, reason: reason ?? "" });
      return null;
    }
    return this.live(fromNum, (node, o) => pkiDmPacket(node, key, this.db.own.num, text, o));
  }

  deliverPosition(num: number): number {
    return this.live(num, (node, o) => positionPacket(node, o));
  }

  deliverTelemetry(num: number): number {
    return this.live(num, (node, o) => telemetryPacket(node, o));
  }

  /**
   * The radio's NodeDB entry gets a new key, and the device broadcasts it: the paths that
   * really rewrite an entry (add_contact, a node reset). Returns the new key.
   */
  rotateKey(num: number): Uint8Array {
    return this.db.rotateKey(num);
  }

  /**
   * The node was re-flashed: a new key on the air only. The NodeDB keeps the old key, as the
   * firmware does (NodeDB::updateUser); deliverNodeInfo() then makes it heard. Returns the new key.
   * In 2.8 mode the device is a new identity numbered crc32(new key) (same names, hardware and
   * role), heard with deliverNodeInfo(crc32(key)) and accepted at once; the old entry keeps
   * its old key and hears nothing more (controls naming the old number throw).
   */
  reflashNode(num: number): Uint8Array {
    return this.db.reflash(num);
  }

  /** The radio drops the node from its NodeDB (as a full NodeDB does); the device stays on the air. */
  evictNode(num: number): boolean {
    return this.db.evict(num);
  }

  /**
   * The radio lost its NodeDB file: it keeps only its own node, and the next dumps hold it
   * alone; nodes heard afterwards (or added with add_contact) come back as the firmware adds
   * them. Returns how many nodes it lost.
   */
  emptyNodeDb(): number {
    return this.db.clear();
  }

  setKey(num: number, key: Uint8Array | null): void {
    this.db.setKey(num, key);
  }

  /** `toNum` gets `fromNum`'s key, like devices flashed from one cloned image. */
  duplicateKey(fromNum: number, toNum: number): Uint8Array {
    return this.db.duplicateKey(fromNum, toNum);
  }

  /** The far node lacks our key: our DMs to it get PKI_UNKNOWN_PUBKEY (35). */
  markLacksOurKey(num: number, lacks = true): void {
    this.db.markLacksOurKey(num, lacks);
  }

  /** Starts the demo schedule (see demo.ts); stop() or stopDemo() ends it. */
  startDemo(options: DemoOptions = {}): void {
    this.stopDemo();
    const controller = new AbortController();
    this.demo = controller;
    const actions = {
      addNodesSilently: (count: number) => this.addNodesSilently(count),
      deliverEncrypted: (num: number) => this.deliverEncrypted(num),
      deliverNodeInfo: (num: number) => this.deliverNodeInfo(num),
      deliverPosition: (num: number) => this.deliverPosition(num),
      reflashNode: (num: number) => {
        const key = this.reflashNode(num);
        return this.db.numbersFromKeys ? keyNumber(key) : num;
      },
      pickKeyedNode: () => {
        // Not an entry whose device moved on (a 2.8 re-flash): nothing is heard from it.
        const keyed = this.db.list().filter((n) => n.publicKey !== null && this.db.device(n.num) !== undefined);
        return keyed.length > 0 ? this.demoPrng.pick(keyed) : undefined;
      },
    };
    void runDemo(actions, options, controller.signal);
  }

  stopDemo(): void {
    this.demo?.abort();
    this.demo = null;
  }

  override async stop(): Promise<void> {
    this.stopDemo();
    await super.stop();
  }

  /**
   * A packet heard from the device `num` now: the radio creates its entry if needed (evicting
   * when full) and notes lastHeard (NodeDB::updateFrom); the client gets the packet.
   */
  private live(num: number, build: (node: SimNode, o: { id: number; rxTime: number }) => MeshPacketInit): number {
    const id = this.db.packetId();
    // The NodeDB keeps its own clock for eviction order; what the client sees is radio time.
    const device = this.db.heardFrom(num, this.nowSeconds());
    this.deliverLive(build(device, { id, rxTime: this.radioTime() }));
    return id;
  }
}
