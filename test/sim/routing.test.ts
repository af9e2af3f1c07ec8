// Routing answers to the client's own DMs (FIRMWARE.md "Keys and PKI"): ACK, 39, 34, 35,
// and a key pushed with add_contact.
import { dm as clientDm } from "../helpers/to-radio.js";
import { describe, expect, it } from "vitest";
import {
  PortNum,
  RoutingError,
  encodeAdmin,
  encodeToRadio,
  pkiTextPacket,
} from "../../src/protocol/messages.js";
import { hex } from "./client.js";
import { keyed, keyless, packetOf, portOf, queued, routingAnswer, simHarness } from "./harness.js";

const sim = simHarness();
// The radio accepts one text per 2 s per connection: the tests move its clock past that.
let clockMs = 1_800_000_000_000;
const now = (): number => clockMs;
const TEXT_GAP_MS = 2_000;

function dm(to: number, id: number, extra: { publicKey?: Uint8Array; wantAck?: boolean } = {}): Uint8Array {
  return clientDm(to, id, "h", extra.publicKey, extra.wantAck ?? true);
}

describe("routing answers to the client's DMs", () => {
  it("ACKs a DM to a node whose key the radio has, from that node, and records the packet", async () => {
    const { radio, c } = await sim.configured();
    const node = keyed(radio);
    expect(await routingAnswer(c, pkiTextPacket(node.num, 1001, "hi"), 1001)).toEqual([RoutingError.NONE, node.num]);
    expect(radio.clientPackets.at(-1)?.packet.id).toBe(1001);
    expect(radio.clientPackets.at(-1)?.answer).toEqual({ error: RoutingError.NONE, from: node.num });
    expect(radio.stats.packetsFromClient).toBe(1);
  });

  it("answers PKI_SEND_FAIL_PUBLIC_KEY (39) from our radio when it has no key for the destination", async () => {
    const { radio, c } = await sim.configured();
    const answer = await routingAnswer(c, pkiTextPacket(keyless(radio).num, 1002, "hi"), 1002);
    expect(answer).toEqual([RoutingError.PKI_SEND_FAIL_PUBLIC_KEY, radio.ownNode.num]);
  });

  it("answers PKI_FAILED (34) when the client's public_key differs from the radio's, ACKs a matching one", async () => {
    const { radio, c } = await sim.configured({ now });
    const node = keyed(radio);
    const wrong = await routingAnswer(c, dm(node.num, 1003, { publicKey: new Uint8Array(32).fill(9) }), 1003);
    expect(wrong).toEqual([RoutingError.PKI_FAILED, radio.ownNode.num]);
    clockMs += TEXT_GAP_MS;
    const right = await routingAnswer(c, dm(node.num, 1013, { publicKey: node.publicKey ?? undefined }), 1013);
    expect(right).toEqual([RoutingError.NONE, node.num]);
  });

  it("answers PKI_UNKNOWN_PUBKEY (35) from a node marked as lacking our key", async () => {
    const { radio, c } = await sim.configured();
    const node = keyed(radio);
    radio.markLacksOurKey(node.num);
    expect(await routingAnswer(c, pkiTextPacket(node.num, 1004, "hi"), 1004)).toEqual([RoutingError.PKI_UNKNOWN_PUBKEY, node.num]);
  });

  it("sends no ACK without want_ack, but still reports a local failure", async () => {
    const { radio, c } = await sim.configured({ now });
    await queued(c, dm(keyed(radio).num, 1005, { wantAck: false }), 1005);
    clockMs += TEXT_GAP_MS;
    expect(await routingAnswer(c, dm(keyless(radio).num, 1006, { wantAck: false }), 1006)).toEqual([
      RoutingError.PKI_SEND_FAIL_PUBLIC_KEY,
      radio.ownNode.num,
    ]);
    expect(c.frames.filter((f) => portOf(packetOf(f)) === PortNum.ROUTING_APP)).toHaveLength(1);
    expect(radio.clientPackets.map((r) => r.answer?.error ?? null)).toEqual([null, RoutingError.PKI_SEND_FAIL_PUBLIC_KEY]);
  });

  it("takes a key pushed with add_contact, after which the DM is ACKed", async () => {
    const { radio, c } = await sim.configured();
    const node = keyless(radio);
    const key = new Uint8Array(32).fill(0x42);
    const admin = encodeAdmin({
      payloadVariant: { case: "addContact", value: { nodeNum: node.num, user: { longName: "Pushed", shortName: "PU", publicKey: key } } },
    });
    const push = encodeToRadio({
      payloadVariant: {
        case: "packet",
        value: { to: radio.ownNode.num, id: 2001, wantAck: true, payloadVariant: { case: "decoded", value: { portnum: PortNum.ADMIN_APP, payload: admin } } },
      },
    });
    expect(await routingAnswer(c, push, 2001)).toEqual([RoutingError.NONE, radio.ownNode.num]);
    expect(hex(radio.nodes.get(node.num)?.publicKey)).toBe(hex(key));
    expect(await routingAnswer(c, pkiTextPacket(node.num, 2002, "hi"), 2002)).toEqual([RoutingError.NONE, node.num]);
  });
});

describe("a re-flashed far node (the radio kept its old key)", () => {
  it("our DM, encrypted to the old key, is NAKed by the far node with NO_CHANNEL (6); its PKI DM to us is dropped", async () => {
    const { radio, c } = await sim.configured({ now });
    const node = keyed(radio);
    radio.reflashNode(node.num);
    // ReliableRouter.cpp "PKC decrypt attempted but failed": not PKI_UNKNOWN_PUBKEY.
    expect(await routingAnswer(c, dm(node.num, 901), 901)).toEqual([RoutingError.NO_CHANNEL, node.num]);
    expect(radio.deliverPkiDm(node.num, "hello")).toBeNull();
    expect(radio.stats.pkiDropped).toBe(1);
    // Once the radio's entry holds the new key (add_contact), both work again.
    radio.db.addContact(node.num, { longName: node.longName, shortName: node.shortName, publicKey: radio.db.device(node.num)!.publicKey! }, 1);
    clockMs += TEXT_GAP_MS;
    expect(await routingAnswer(c, dm(node.num, 902), 902)).toEqual([RoutingError.NONE, node.num]);
    expect(radio.deliverPkiDm(node.num, "hello")).not.toBeNull();
  });
});
