// FromRadio/ToRadio helpers over @meshtastic/protobufs, shared by the radio link and the
// simulated radio. The rest of the code never sees a protobuf: radio/ turns these into
// domain events.
import { create, fromBinary, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { Admin, Channel, Config, Mesh, Portnums, Telemetry } from "@meshtastic/protobufs";

export type FromRadio = Mesh.FromRadio;
export type ToRadio = Mesh.ToRadio;
export type MeshPacket = Mesh.MeshPacket;
export type NodeInfo = Mesh.NodeInfo;
export type User = Mesh.User;
export type Routing = Mesh.Routing;
export type FromRadioInit = MessageInitShape<typeof Mesh.FromRadioSchema>;
export type ToRadioInit = MessageInitShape<typeof Mesh.ToRadioSchema>;
export type MeshPacketInit = MessageInitShape<typeof Mesh.MeshPacketSchema>;
export type NodeInfoInit = MessageInitShape<typeof Mesh.NodeInfoSchema>;
export type UserInit = MessageInitShape<typeof Mesh.UserSchema>;
export type AdminMessage = Admin.AdminMessage;

/** PhoneAPI.cpp SPECIAL_NONCE_ONLY_CONFIG: everything but the other nodes. */
export const NONCE_ONLY_CONFIG = 69420;
/** PhoneAPI.cpp SPECIAL_NONCE_ONLY_NODES: own node_info, every other node_info, complete. */
export const NONCE_ONLY_NODES = 69421;
export const BROADCAST_NUM = 0xffffffff;
export const PUBLIC_KEY_LENGTH = 32;

export const PortNum = {
  TEXT_MESSAGE_APP: Portnums.PortNum.TEXT_MESSAGE_APP,
  POSITION_APP: Portnums.PortNum.POSITION_APP,
  NODEINFO_APP: Portnums.PortNum.NODEINFO_APP,
  ROUTING_APP: Portnums.PortNum.ROUTING_APP,
  ADMIN_APP: Portnums.PortNum.ADMIN_APP,
  TELEMETRY_APP: Portnums.PortNum.TELEMETRY_APP,
  TRACEROUTE_APP: Portnums.PortNum.TRACEROUTE_APP,
  WAYPOINT_APP: Portnums.PortNum.WAYPOINT_APP,
  ALERT_APP: Portnums.PortNum.ALERT_APP,
  SIMULATOR_APP: Portnums.PortNum.SIMULATOR_APP,
} as const;

export const RoutingError = {
  NONE: Mesh.Routing_Error.NONE,
  NO_ROUTE: Mesh.Routing_Error.NO_ROUTE,
  MAX_RETRANSMIT: Mesh.Routing_Error.MAX_RETRANSMIT,
  TIMEOUT: Mesh.Routing_Error.TIMEOUT,
  PKI_FAILED: Mesh.Routing_Error.PKI_FAILED,
  PKI_UNKNOWN_PUBKEY: Mesh.Routing_Error.PKI_UNKNOWN_PUBKEY,
  PKI_SEND_FAIL_PUBLIC_KEY: Mesh.Routing_Error.PKI_SEND_FAIL_PUBLIC_KEY,
  NOT_AUTHORIZED: Mesh.Routing_Error.NOT_AUTHORIZED,
  NO_CHANNEL: Mesh.Routing_Error.NO_CHANNEL,
  RATE_LIMIT_EXCEEDED: Mesh.Routing_Error.RATE_LIMIT_EXCEEDED,
  BAD_REQUEST: Mesh.Routing_Error.BAD_REQUEST,
} as const;

/** The name protobufs give a routing error, e.g. "PKI_FAILED"; numbers we don't know stay numbers. */
export function routingErrorName(code: number): string {
  return Mesh.Routing_Error[code] ?? `ERROR_${code}`;
}

export function decodeFromRadio(bytes: Uint8Array): FromRadio {
  return fromBinary(Mesh.FromRadioSchema, bytes);
}

export function encodeFromRadio(init: FromRadioInit): Uint8Array {
  return toBinary(Mesh.FromRadioSchema, create(Mesh.FromRadioSchema, init));
}

/** A FromRadio already decoded (and perhaps changed) back to bytes. */
export function encodeFromRadioMessage(message: FromRadio): Uint8Array {
  return toBinary(Mesh.FromRadioSchema, message);
}

export function decodeToRadio(bytes: Uint8Array): ToRadio {
  return fromBinary(Mesh.ToRadioSchema, bytes);
}

export function encodeToRadio(init: ToRadioInit): Uint8Array {
  return toBinary(Mesh.ToRadioSchema, create(Mesh.ToRadioSchema, init));
}

export function wantConfig(nonce: number): Uint8Array {
  return encodeToRadio({ payloadVariant: { case: "wantConfigId", value: nonce } });
}

/**
 * Heartbeat with nonce 0: current firmware makes the radio broadcast its own NodeInfo over
 * the air for a heartbeat with nonce 1 (FIRMWARE.md), which we must never cause.
 */
export function heartbeat(): Uint8Array {
  return encodeToRadio({ payloadVariant: { case: "heartbeat", value: { nonce: 0 } } });
}

export function decodeUser(bytes: Uint8Array): User {
  return fromBinary(Mesh.UserSchema, bytes);
}

export function encodeUser(init: UserInit): Uint8Array {
  return toBinary(Mesh.UserSchema, create(Mesh.UserSchema, init));
}

export function decodeRouting(bytes: Uint8Array): Routing {
  return fromBinary(Mesh.RoutingSchema, bytes);
}

export function encodeRoutingError(code: number): Uint8Array {
  return toBinary(
    Mesh.RoutingSchema,
    create(Mesh.RoutingSchema, { variant: { case: "errorReason", value: code } }),
  );
}

/** mesh.proto Compressed {portnum, data}: what the firmware's Linux build puts in a SIMULATOR_APP packet. */
export function encodeCompressed(portnum: number, data: Uint8Array): Uint8Array {
  return toBinary(Mesh.CompressedSchema, create(Mesh.CompressedSchema, { portnum, data }));
}

export function decodeCompressed(bytes: Uint8Array): { portnum: number; data: Uint8Array } {
  const message = fromBinary(Mesh.CompressedSchema, bytes);
  return { portnum: message.portnum, data: message.data };
}

export function decodeAdmin(bytes: Uint8Array): AdminMessage {
  return fromBinary(Admin.AdminMessageSchema, bytes);
}

export function encodeAdmin(init: MessageInitShape<typeof Admin.AdminMessageSchema>): Uint8Array {
  return toBinary(Admin.AdminMessageSchema, create(Admin.AdminMessageSchema, init));
}

export function createNodeInfo(init: NodeInfoInit): NodeInfo {
  return create(Mesh.NodeInfoSchema, init);
}

/** A text DM the radio must PKI-encrypt with the key in its own NodeDB (Router.cpp perhapsEncode). */
export function pkiTextPacket(to: number, id: number, text: string): Uint8Array {
  return encodeToRadio({
    payloadVariant: {
      case: "packet",
      value: {
        to,
        id,
        wantAck: true,
        pkiEncrypted: true,
        channel: 0,
        payloadVariant: {
          case: "decoded",
          value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: new TextEncoder().encode(text) },
        },
      },
    },
  });
}

// --- Added for the simulated radio (sim/): packet payloads and the enums of a config dump. ---

export type Position = Mesh.Position;
export type PositionInit = MessageInitShape<typeof Mesh.PositionSchema>;
export type TelemetryMessage = Telemetry.Telemetry;
export type TelemetryInit = MessageInitShape<typeof Telemetry.TelemetrySchema>;

export const HardwareModel = Mesh.HardwareModel;
export const DeviceRole = Config.Config_DeviceConfig_Role;
export const RegionCode = Config.Config_LoRaConfig_RegionCode;
export const ModemPreset = Config.Config_LoRaConfig_ModemPreset;
export const ChannelRole = Channel.Channel_Role;

export function encodePosition(init: PositionInit): Uint8Array {
  return toBinary(Mesh.PositionSchema, create(Mesh.PositionSchema, init));
}

export function decodePosition(bytes: Uint8Array): Position {
  return fromBinary(Mesh.PositionSchema, bytes);
}

export function encodeTelemetry(init: TelemetryInit): Uint8Array {
  return toBinary(Telemetry.TelemetrySchema, create(Telemetry.TelemetrySchema, init));
}

export function decodeTelemetry(bytes: Uint8Array): TelemetryMessage {
  return fromBinary(Telemetry.TelemetrySchema, bytes);
}

/**
 * AdminMessage.add_contact for our own radio (admin.proto SharedContact). Refuses anything
 * but a 32-byte key: an empty key makes the firmware clear the key it holds. The firmware
 * stores the whole User, so `traits` (what the radio held of the node) go in too; without
 * them the User says UNSET hardware and role CLIENT.
 */
export function addContactPacket(
  myNodeNum: number,
  id: number,
  contact: { num: number; longName: string; shortName: string; publicKey: Uint8Array; manuallyVerified: boolean },
  traits: Pick<UserInit, "hwModel" | "role" | "isLicensed" | "isUnmessagable"> | null = null,
): Uint8Array {
  if (contact.publicKey.length !== PUBLIC_KEY_LENGTH) throw new RangeError("add_contact needs a 32-byte public key");
  const { longName, shortName, publicKey } = contact;
  const admin = encodeAdmin({
    payloadVariant: {
      case: "addContact",
      value: {
        nodeNum: contact.num,
        user: { ...traits, id: `!${(contact.num >>> 0).toString(16).padStart(8, "0")}`, longName, shortName, publicKey },
        shouldIgnore: false,
        manuallyVerified: contact.manuallyVerified,
      },
    },
  });
  return encodeToRadio({
    payloadVariant: {
      case: "packet",
      value: { to: myNodeNum, id, wantAck: true, channel: 0, payloadVariant: { case: "decoded", value: { portnum: PortNum.ADMIN_APP, payload: admin } } },
    },
  });
}
