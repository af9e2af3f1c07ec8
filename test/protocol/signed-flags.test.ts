// Firmware 2.8's signature flags as unknown fields: frames built byte by byte, as a 2.8 radio
// sends them, read through the ordinary decoder; and what the simulator writes, byte for byte.
import { describe, expect, it } from "vitest";
import { decodeFromRadio, encodeFromRadio, type FromRadio } from "../../src/protocol/messages.js";
import { nodeInfoSigned, nodeInfoWithSigned, packetSigned, packetWithSigned, setUnknownBool, unknownBool } from "../../src/protocol/signed-flags.js";

/** FromRadio.node_info (field 4, length-delimited) around a NodeInfo of num 42 and `tail`. */
function nodeInfoFrame(...tail: number[]): Uint8Array {
  const info = [0x08, 0x2a, ...tail]; // num = 42
  return Uint8Array.from([0x22, info.length, ...info]);
}

/** FromRadio.packet (field 2) around a MeshPacket from 0x11223344 (fixed32 field 1) and `tail`. */
function packetFrame(...tail: number[]): Uint8Array {
  const packet = [0x0d, 0x44, 0x33, 0x22, 0x11, ...tail];
  return Uint8Array.from([0x12, packet.length, ...packet]);
}

function nodeInfoOf(message: FromRadio) {
  if (message.payloadVariant.case !== "nodeInfo") throw new Error(`not a node_info: ${message.payloadVariant.case}`);
  return message.payloadVariant.value;
}

function packetOf(message: FromRadio) {
  if (message.payloadVariant.case !== "packet") throw new Error(`not a packet: ${message.payloadVariant.case}`);
  return message.payloadVariant.value;
}

describe("NodeInfo.has_xeddsa_signed (field 14)", () => {
  it("is read from the unknown field a 2.8 radio sends (tag 0x70), the typed fields untouched", () => {
    const info = nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x70, 0x01)));
    expect(info.num).toBe(42);
    expect(nodeInfoSigned(info)).toBe(true);
  });

  it("is false when absent (a 2.7 radio) or zero, and the last occurrence wins", () => {
    expect(nodeInfoSigned(nodeInfoOf(decodeFromRadio(nodeInfoFrame())))).toBe(false);
    expect(unknownBool(nodeInfoOf(decodeFromRadio(nodeInfoFrame())), 14)).toBeUndefined();
    expect(unknownBool(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x70, 0x00))), 14)).toBe(false);
    expect(nodeInfoSigned(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x70, 0x01, 0x70, 0x00))))).toBe(false);
    expect(nodeInfoSigned(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x70, 0x00, 0x70, 0x01))))).toBe(true);
  });

  it("takes any non-zero varint as true, and a record of another wire type as no value", () => {
    expect(nodeInfoSigned(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x70, 0x80, 0x01))))).toBe(true); // 128
    expect(nodeInfoSigned(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x70, 0x80, 0x00))))).toBe(false); // 0, over-long
    // Field 14 length-delimited (tag 0x72): not the bool we know.
    expect(unknownBool(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x72, 0x01, 0x01))), 14)).toBeUndefined();
    // Field 15 set: not ours either.
    expect(unknownBool(nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x78, 0x01))), 14)).toBeUndefined();
  });

  it("is written as the firmware writes it: exactly the bytes of the hand-built frame", () => {
    const signed = encodeFromRadio({ payloadVariant: { case: "nodeInfo", value: nodeInfoWithSigned({ num: 42 }, true) } });
    expect(Buffer.from(signed).toString("hex")).toBe(Buffer.from(nodeInfoFrame(0x70, 0x01)).toString("hex"));
    const unsigned = encodeFromRadio({ payloadVariant: { case: "nodeInfo", value: nodeInfoWithSigned({ num: 42 }, false) } });
    expect(Buffer.from(unsigned).toString("hex")).toBe(Buffer.from(nodeInfoFrame()).toString("hex"));
  });
});

describe("MeshPacket.xeddsa_signed (field 22)", () => {
  it("is read from the unknown field (tag 0xb0 0x01)", () => {
    const packet = packetOf(decodeFromRadio(packetFrame(0xb0, 0x01, 0x01)));
    expect(packet.from).toBe(0x11223344);
    expect(packetSigned(packet)).toBe(true);
    expect(packetSigned(packetOf(decodeFromRadio(packetFrame())))).toBe(false);
  });

  it("is written byte for byte, and survives a decode and re-encode", () => {
    const bytes = encodeFromRadio({ payloadVariant: { case: "packet", value: packetWithSigned({ from: 0x11223344 }, true) } });
    expect(Buffer.from(bytes).toString("hex")).toBe(Buffer.from(packetFrame(0xb0, 0x01, 0x01)).toString("hex"));
    const again = encodeFromRadio({ payloadVariant: { case: "packet", value: packetOf(decodeFromRadio(bytes)) } });
    expect(packetSigned(packetOf(decodeFromRadio(again)))).toBe(true);
  });
});

describe("setUnknownBool", () => {
  it("keeps one record per field, clears it for false, and leaves other unknown fields alone", () => {
    const info = nodeInfoOf(decodeFromRadio(nodeInfoFrame(0x78, 0x05)));
    setUnknownBool(info, 14, true);
    setUnknownBool(info, 14, true);
    expect(info.$unknown?.filter((f) => f.no === 14)).toHaveLength(1);
    expect(nodeInfoSigned(info)).toBe(true);
    setUnknownBool(info, 14, false);
    expect(unknownBool(info, 14)).toBeUndefined();
    expect(info.$unknown?.map((f) => f.no)).toEqual([15]);
  });
});
