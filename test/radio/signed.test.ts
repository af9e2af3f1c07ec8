// Firmware 2.8's signature flags at the radio edge: a dump's NodeInfo (field 14) and a live
// NODEINFO_APP packet (field 22) say `signed`; nothing else does, and a 2.7 shape is unchanged.
import { describe, expect, it } from "vitest";
import { PortNum, createNodeInfo, decodeFromRadio, encodeFromRadio, encodePosition, encodeUser } from "../../src/protocol/messages.js";
import { nodeInfoWithSigned, packetWithSigned } from "../../src/protocol/signed-flags.js";
import { packetFacts, remoteNodeFromInfo } from "../../src/radio/packets.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const ME = 0x11112222;
const FROM = 0xa76f40da;

function nodeInfoFromWire(signed: boolean) {
  // Through bytes, as from the radio: the flag arrives as an unknown field.
  const bytes = encodeFromRadio({ payloadVariant: { case: "nodeInfo", value: nodeInfoWithSigned({ num: FROM, user: { longName: "Alpha", shortName: "AL", publicKey: KEY } }, signed) } });
  const message = decodeFromRadio(bytes);
  if (message.payloadVariant.case !== "nodeInfo") throw new Error("not a node_info");
  return message.payloadVariant.value;
}

function liveFromWire(signed: boolean, portnum: number, payload: Uint8Array) {
  const init = { from: FROM, to: 0xffffffff, id: 7, payloadVariant: { case: "decoded" as const, value: { portnum, payload } } };
  const message = decodeFromRadio(encodeFromRadio({ payloadVariant: { case: "packet", value: packetWithSigned(init, signed) } }));
  if (message.payloadVariant.case !== "packet") throw new Error("not a packet");
  return message.payloadVariant.value;
}

describe("signed at the radio edge", () => {
  it("a dump's NodeInfo with has_xeddsa_signed gives signed: true", () => {
    expect(remoteNodeFromInfo(nodeInfoFromWire(true))).toMatchObject({ num: FROM, signed: true });
  });

  it("a NodeInfo without it (2.7, or a node known from a unicast reply) has no signed field at all", () => {
    const node = remoteNodeFromInfo(nodeInfoFromWire(false));
    expect(node).not.toHaveProperty("signed");
    expect(remoteNodeFromInfo(createNodeInfo({ num: FROM }))).not.toHaveProperty("signed");
  });

  it("a live NODEINFO_APP packet marked xeddsa_signed gives a keySeen with signed: true; unmarked, none", () => {
    const user = encodeUser({ longName: "Alpha", shortName: "AL", publicKey: KEY });
    expect(packetFacts(liveFromWire(true, PortNum.NODEINFO_APP, user), ME, false).key).toMatchObject({ num: FROM, via: "nodeinfo", signed: true });
    expect(packetFacts(liveFromWire(false, PortNum.NODEINFO_APP, user), ME, false).key).not.toHaveProperty("signed");
  });

  it("a signed packet of another port says nothing about a key", () => {
    const facts = packetFacts(liveFromWire(true, PortNum.POSITION_APP, encodePosition({ latitudeI: 1 })), ME, false);
    expect(facts.key).toBeNull();
    expect(facts.seen).toEqual({ num: FROM, replayed: false, encrypted: false });
  });
});
