// The packed form of each node's User besides names and key (user-traits.ts), which the
// directory keeps with the node's record and a push unpacks into add_contact.
import { describe, expect, it } from "vitest";
import { DeviceRole, HardwareModel } from "../../src/protocol/messages.js";
import { packTraits, unpackTraits } from "../../src/radio/user-traits.js";

const router = { hwModel: HardwareModel.RAK4631, role: DeviceRole.ROUTER, isLicensed: false, isUnmessagable: true };
const client = { hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: true, isUnmessagable: undefined };
const bare = { hwModel: HardwareModel.UNSET, role: DeviceRole.CLIENT, isLicensed: false, isUnmessagable: undefined };

describe("packTraits / unpackTraits", () => {
  it("round-trips every field, is_unmessagable's absence included", () => {
    expect(unpackTraits(packTraits(router))).toEqual(router);
    expect(unpackTraits(packTraits({ ...router, isUnmessagable: false }))).toEqual({ ...router, isUnmessagable: false });
    expect(unpackTraits(packTraits(client))).toEqual({ hwModel: HardwareModel.TBEAM, role: DeviceRole.CLIENT, isLicensed: true });
    expect(unpackTraits(packTraits({ ...client, hwModel: HardwareModel.PRIVATE_HW, role: 31 }))).toMatchObject({ hwModel: HardwareModel.PRIVATE_HW, role: 31 });
  });

  it("is 0 for a User with none of them, and for enums beyond what fits (that node's contact stays bare)", () => {
    expect(packTraits(bare)).toBe(0);
    expect(packTraits({ ...router, hwModel: 4096 })).toBe(0);
    expect(packTraits({ ...router, role: 32 })).toBe(0);
    expect(packTraits({ ...router, role: -1 })).toBe(0);
  });
});
