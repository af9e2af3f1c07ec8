// What an add_contact carries: the firmware copies the contact's whole User into its NodeDB
// (NodeDB::addFromContact), so every field we leave out is reset there.
import { describe, expect, it } from "vitest";
import { DeviceRole, HardwareModel, PortNum, addContactPacket, decodeAdmin, decodeToRadio } from "../../src/protocol/messages.js";

const KEY = Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i);
const ME = 0x11112222;
const CONTACT = { num: 0xa76f40da, longName: "Ridge Relay", shortName: "RR", publicKey: KEY, manuallyVerified: false };

function decoded(bytes: Uint8Array) {
  const packet = decodeToRadio(bytes).payloadVariant;
  if (packet.case !== "packet" || packet.value.payloadVariant.case !== "decoded") throw new Error("not a decoded packet");
  const data = packet.value.payloadVariant.value;
  expect({ to: packet.value.to, id: packet.value.id, wantAck: packet.value.wantAck, port: data.portnum }).toEqual({ to: ME, id: 77, wantAck: true, port: PortNum.ADMIN_APP });
  const admin = decodeAdmin(data.payload).payloadVariant;
  if (admin.case !== "addContact") throw new Error(`not add_contact: ${admin.case}`);
  return admin.value;
}

describe("addContactPacket", () => {
  it("carries the traits the radio held (hardware, role, licensed, unmessagable) beside names and key", () => {
    const traits = { hwModel: HardwareModel.RAK4631, role: DeviceRole.ROUTER, isLicensed: true, isUnmessagable: true };
    const contact = decoded(addContactPacket(ME, 77, { ...CONTACT, manuallyVerified: true }, traits));
    expect(contact.nodeNum).toBe(CONTACT.num);
    expect(contact.manuallyVerified).toBe(true);
    expect(contact.shouldIgnore).toBe(false);
    const u = contact.user!;
    expect({ id: u.id, long: u.longName, short: u.shortName, key: Buffer.from(u.publicKey).toString("hex") }).toEqual({
      id: "!a76f40da",
      long: "Ridge Relay",
      short: "RR",
      key: Buffer.from(KEY).toString("hex"),
    });
    expect({ hw: u.hwModel, role: u.role, licensed: u.isLicensed, unmessagable: u.isUnmessagable }).toEqual({
      hw: HardwareModel.RAK4631,
      role: DeviceRole.ROUTER,
      licensed: true,
      unmessagable: true,
    });
  });

  it("sends is_unmessagable false as set, and leaves it unset when the radio's User did", () => {
    const set = decoded(addContactPacket(ME, 77, CONTACT, { hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: false, isUnmessagable: false })).user!;
    expect(set.isUnmessagable).toBe(false);
    const unset = decoded(addContactPacket(ME, 77, CONTACT, { hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: false })).user!;
    expect(unset.isUnmessagable).toBeUndefined();
    expect(unset.hwModel).toBe(HardwareModel.TBEAM);
  });

  it("without traits (a node the radio never reported): names and key alone, the rest at the protobuf defaults", () => {
    const u = decoded(addContactPacket(ME, 77, CONTACT)).user!;
    expect({ long: u.longName, short: u.shortName, keyLength: u.publicKey.length }).toEqual({ long: "Ridge Relay", short: "RR", keyLength: 32 });
    expect({ hw: u.hwModel, role: u.role, licensed: u.isLicensed, unmessagable: u.isUnmessagable }).toEqual({
      hw: HardwareModel.UNSET,
      role: DeviceRole.CLIENT,
      licensed: false,
      unmessagable: undefined,
    });
  });

  it("refuses a key that is not 32 bytes, whatever traits come with it", () => {
    expect(() => addContactPacket(ME, 77, { ...CONTACT, publicKey: new Uint8Array(0) }, { hwModel: 4, role: 0, isLicensed: false })).toThrow(/32-byte/);
  });
});
