// What a client must not get with api_server.admin false: the radio's private key. It travels
// in the security config section of every handshake, and in the answer to an admin
// get_config_request for that section (admin.proto); a file transfer (xmodem) can read the
// preferences that hold it. Pure: a frame in, the bytes a client may have out.
import { PortNum, decodeAdmin, encodeAdmin, encodeFromRadioMessage, type FromRadio } from "../protocol/messages.js";
import type { RadioFrame } from "../radio/shared.js";

type Config = Extract<FromRadio["payloadVariant"], { case: "config" }>["value"];

const NO_KEY = new Uint8Array(0);

/** The config with the private key emptied, or null when it holds none. */
function blankConfig(config: Config | undefined): Config | null {
  if (config?.payloadVariant.case !== "security" || config.payloadVariant.value.privateKey.length === 0) return null;
  return { ...config, payloadVariant: { case: "security", value: { ...config.payloadVariant.value, privateKey: NO_KEY } } };
}

/** An admin answer carrying the security config, with its private key emptied; null when it carries none. */
function blankAdmin(payload: Uint8Array): Uint8Array | null {
  let admin;
  try {
    admin = decodeAdmin(payload);
  } catch {
    return null;
  }
  if (admin.payloadVariant.case !== "getConfigResponse") return null;
  const config = blankConfig(admin.payloadVariant.value);
  if (config === null) return null;
  return encodeAdmin({ ...admin, payloadVariant: { case: "getConfigResponse", value: config } });
}

/**
 * The frame as a client without admin rights may see it: the same bytes almost always; a
 * re-encoded copy without the private key; null for what it must not see at all.
 */
export function forClients(frame: RadioFrame): Uint8Array | null {
  const { message } = frame;
  const variant = message.payloadVariant;
  switch (variant.case) {
    case "config": {
      const config = blankConfig(variant.value);
      return config === null ? frame.bytes : encodeFromRadioMessage({ ...message, payloadVariant: { case: "config", value: config } });
    }
    case "packet": {
      const packet = variant.value;
      if (packet.payloadVariant.case !== "decoded" || packet.payloadVariant.value.portnum !== PortNum.ADMIN_APP) return frame.bytes;
      const data = packet.payloadVariant.value;
      const payload = blankAdmin(data.payload);
      if (payload === null) return frame.bytes;
      return encodeFromRadioMessage({ ...message, payloadVariant: { case: "packet", value: { ...packet, payloadVariant: { case: "decoded", value: { ...data, payload } } } } });
    }
    case "xmodemPacket":
      return null;
    default:
      return frame.bytes;
  }
}
