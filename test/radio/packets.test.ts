import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { Mesh } from "@meshtastic/protobufs";
import { DeviceRole, HardwareModel, PortNum, RoutingError, createNodeInfo, encodeRoutingError, encodeUser } from "../../src/protocol/messages.js";
import { packetFacts, remoteNodeFromInfo, validKey } from "../../src/radio/packets.js";
import { packTraits, unpackTraits } from "../../src/radio/user-traits.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const ME = 0x11112222;

function packet(init: Parameters<typeof create<typeof Mesh.MeshPacketSchema>>[1]): Mesh.MeshPacket {
  return create(Mesh.MeshPacketSchema, init);
}

describe("remoteNodeFromInfo", () => {
  it("keeps a 32-byte key, the verified and ignored flags and formats the id", () => {
    const node = remoteNodeFromInfo(
      createNodeInfo({ num: 0xa76f40da, user: { longName: "Alpha", shortName: "AL", publicKey: KEY }, isKeyManuallyVerified: true, isIgnored: true, lastHeard: 1700000000 }),
    );
    expect(node).toEqual({ num: 0xa76f40da, id: "!a76f40da", longName: "Alpha", shortName: "AL", publicKey: KEY, verified: true, ignored: true, lastHeard: 1700000000, traits: 0 });
  });

  it("packs the rest of the User (hardware, role, licensed, unmessagable) as traits; null without a User", () => {
    const user = { longName: "R", shortName: "r", publicKey: KEY, hwModel: HardwareModel.RAK4631, role: DeviceRole.ROUTER, isLicensed: true, isUnmessagable: false };
    const node = remoteNodeFromInfo(createNodeInfo({ num: 5, user }));
    expect(unpackTraits(node!.traits!)).toEqual({ hwModel: HardwareModel.RAK4631, role: DeviceRole.ROUTER, isLicensed: true, isUnmessagable: false });
    expect(remoteNodeFromInfo(createNodeInfo({ num: 6 }))?.traits).toBeNull();
  });

  it("treats a key of 31 or 33 bytes, or all zeros, as no key", () => {
    expect(validKey(KEY.subarray(0, 31))).toBeNull();
    expect(validKey(Uint8Array.from([...KEY, 1]))).toBeNull();
    expect(validKey(new Uint8Array(32))).toBeNull();
  });

  it("refuses node numbers 0 and broadcast", () => {
    expect(remoteNodeFromInfo(createNodeInfo({ num: 0 }))).toBeNull();
    expect(remoteNodeFromInfo(createNodeInfo({ num: 0xffffffff }))).toBeNull();
  });
});

describe("packetFacts", () => {
  it("reads the key of a NODEINFO_APP packet", () => {
    const facts = packetFacts(
      packet({ from: 42, to: ME, payloadVariant: { case: "decoded", value: { portnum: PortNum.NODEINFO_APP, payload: encodeUser({ longName: "N", shortName: "n", publicKey: KEY }) } } }),
      ME,
      false,
    );
    expect(facts.key).toMatchObject({ num: 42, via: "nodeinfo", publicKey: KEY, traits: 0 });
    // The packet brings the key: not a sign that the directory lacks it.
    expect(facts.seen).toEqual({ num: 42, replayed: false, encrypted: false, withKey: true });
    // The radio stores the NodeInfo's whole User: its traits come along.
    const router = { hwModel: HardwareModel.TBEAM, role: DeviceRole.ROUTER, isLicensed: false };
    const payload = encodeUser({ longName: "N", shortName: "n", publicKey: KEY, ...router });
    const withTraits = packetFacts(packet({ from: 42, to: ME, payloadVariant: { case: "decoded", value: { portnum: PortNum.NODEINFO_APP, payload } } }), ME, false);
    expect(withTraits.key?.traits).toBe(packTraits(router));
  });

  it("reads MeshPacket.public_key of a PKI-decrypted packet", () => {
    const facts = packetFacts(
      packet({ from: 43, to: ME, pkiEncrypted: true, publicKey: KEY, payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new Uint8Array([104]) } } }),
      ME,
      false,
    );
    expect(facts.key).toMatchObject({ num: 43, via: "pki" });
    expect(facts.key).not.toHaveProperty("traits");
    expect(facts.seen).toMatchObject({ num: 43, withKey: true });
  });

  it("marks an encrypted packet and ignores our own radio's packets", () => {
    expect(packetFacts(packet({ from: 44, payloadVariant: { case: "encrypted", value: new Uint8Array([1, 2]) } }), ME, true).seen).toEqual({ num: 44, replayed: true, encrypted: true });
    expect(packetFacts(packet({ from: ME, payloadVariant: { case: "encrypted", value: new Uint8Array([1]) } }), ME, false).seen).toBeNull();
  });

  it("reads a routing error with the id of the packet it answers", () => {
    const facts = packetFacts(
      packet({ from: ME, to: ME, payloadVariant: { case: "decoded", value: { portnum: PortNum.ROUTING_APP, requestId: 777, payload: encodeRoutingError(RoutingError.PKI_SEND_FAIL_PUBLIC_KEY) } } }),
      ME,
      false,
    );
    expect(facts.routing).toEqual({ requestId: 777, code: 39, error: "PKI_SEND_FAIL_PUBLIC_KEY" });
  });

  it("survives a corrupt NodeInfo payload", () => {
    const facts = packetFacts(packet({ from: 45, payloadVariant: { case: "decoded", value: { portnum: PortNum.NODEINFO_APP, payload: new Uint8Array([0xff, 0xff, 0xff]) } } }), ME, false);
    expect(facts.key).toBeNull();
    expect(facts.seen).toEqual({ num: 45, replayed: false, encrypted: false });
  });
});
