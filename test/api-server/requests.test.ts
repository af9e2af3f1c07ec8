// What the API server does with each kind of ToRadio from a client: pure decisions.
import { describe, expect, it } from "vitest";
import { classifyRequest } from "../../src/api-server/requests.js";
import { BROADCAST_NUM, PortNum, decodeToRadio, encodeToRadio, heartbeat, wantConfig, type ToRadioInit } from "../../src/protocol/messages.js";
import { addContact, admin, disconnect, dm } from "../helpers/to-radio.js";

const OWN = 0x11223344;
const classify = (bytes: Uint8Array, adminRights = false) => classifyRequest(decodeToRadio(bytes), OWN, adminRights);
const packet = (value: Extract<ToRadioInit["payloadVariant"], { case: "packet" }>["value"]) => encodeToRadio({ payloadVariant: { case: "packet", value } });
const text = (to: number, extra: object = {}) => packet({ to, id: 5, payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new Uint8Array(1) } }, ...extra });

describe("a client's requests", () => {
  it("answers handshakes, heartbeats and disconnect locally", () => {
    expect(classify(wantConfig(69420))).toEqual({ kind: "handshake", nonce: 69420 });
    expect(classify(heartbeat())).toEqual({ kind: "heartbeat" });
    expect(classify(disconnect())).toEqual({ kind: "disconnect" });
  });

  it("forwards packets with their id and destination; a PKI DM names the node whose key the radio needs", () => {
    expect(classify(dm(0xabc, 9))).toEqual({ kind: "forward", packet: { id: 9, to: 0xabc, port: PortNum.TEXT_MESSAGE_APP, hopLimit: 0 }, dmTo: 0xabc, adminWrite: false });
    // A DM on the primary channel is PKI-encrypted by the firmware when it can; a position is not.
    expect(classify(text(0xabc))).toMatchObject({ dmTo: 0xabc });
    expect(classify(packet({ to: 0xabc, id: 6, payloadVariant: { case: "decoded", value: { portnum: PortNum.POSITION_APP } } }))).toMatchObject({ dmTo: null });
    expect(classify(text(0xabc, { channel: 1 }))).toMatchObject({ dmTo: null });
    expect(classify(text(BROADCAST_NUM))).toEqual({ kind: "forward", packet: { id: 5, to: BROADCAST_NUM, port: PortNum.TEXT_MESSAGE_APP, hopLimit: 0 }, dmTo: null, adminWrite: false });
    expect(classify(text(0xabc, { id: 0 }))).toMatchObject({ packet: { id: 0 } });
  });

  it("without admin: absorbs add_contact, forwards admin reads, refuses every other admin message", () => {
    expect(classify(addContact(OWN, 7, 0xabc, new Uint8Array(32)))).toEqual({ kind: "contact", num: 0xabc, requestId: 7, wantAck: true });
    expect(classify(admin(OWN, 8, { payloadVariant: { case: "getConfigRequest", value: 7 } }))).toEqual({ kind: "forward", packet: { id: 8, to: OWN, port: PortNum.ADMIN_APP, hopLimit: 0 }, dmTo: null, adminWrite: false });
    for (const write of [
      { case: "setOwner", value: { longName: "x" } },
      { case: "rebootSeconds", value: 5 },
      { case: "factoryResetDevice", value: 1 },
      { case: "removeByNodenum", value: 0xabc },
      { case: "beginEditSettings", value: true },
    ] as const) {
      expect(classify(admin(OWN, 9, { payloadVariant: write }))).toEqual({ kind: "refuse", what: `admin ${write.case}`, requestId: 9 });
    }
    // An add_contact for another radio is remote administration: a write.
    expect(classify(addContact(0xabc, 10, 0xdef, new Uint8Array(32)))).toMatchObject({ kind: "refuse" });
    expect(classify(encodeToRadio({ payloadVariant: { case: "xmodemPacket", value: {} } }))).toMatchObject({ kind: "refuse", requestId: null });
  });

  it("without admin: refuses a packet the client encrypted itself wherever the radio would act on it; one for another node passes", () => {
    const sealed = (to: number) => packet({ to, id: 11, payloadVariant: { case: "encrypted", value: new Uint8Array(24) } });
    for (const to of [OWN, 0, BROADCAST_NUM, 1]) expect(classify(sealed(to))).toEqual({ kind: "refuse", what: "an encrypted packet to the radio itself", requestId: 11 });
    // Not decoded at all (no payload): just as unreadable.
    expect(classify(packet({ to: OWN, id: 12 }))).toMatchObject({ kind: "refuse", requestId: 12 });
    expect(classify(sealed(0xabc))).toEqual({ kind: "forward", packet: { id: 11, to: 0xabc, port: null, hopLimit: 0 }, dmTo: null, adminWrite: false });
    // Before our own number is known any destination could be ours.
    expect(classifyRequest(decodeToRadio(sealed(0xabc)), 0, false)).toMatchObject({ kind: "refuse" });
    expect(classify(sealed(OWN), true)).toMatchObject({ kind: "forward" });
  });

  it("with admin: every admin message passes, and a write asks for a config re-read", () => {
    expect(classify(addContact(OWN, 7, 0xabc, new Uint8Array(32)), true)).toEqual({ kind: "forward", packet: { id: 7, to: OWN, port: PortNum.ADMIN_APP, hopLimit: 0 }, dmTo: null, adminWrite: true });
    expect(classify(admin(OWN, 8, { payloadVariant: { case: "getOwnerRequest", value: true } }), true)).toMatchObject({ adminWrite: false });
    expect(classify(encodeToRadio({ payloadVariant: { case: "xmodemPacket", value: {} } }), true)).toMatchObject({ kind: "forward" });
  });
});
