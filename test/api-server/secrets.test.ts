// The private key never reaches a client without admin rights: neither in the handshake's
// security section nor in an admin get_config answer; file transfers not at all.
import { describe, expect, it } from "vitest";
import { forClients } from "../../src/api-server/secrets.js";
import { PortNum, decodeAdmin, decodeFromRadio, encodeAdmin, encodeFromRadio, type FromRadioInit } from "../../src/protocol/messages.js";

const PRIVATE = new Uint8Array(32).fill(7);
const PUBLIC = new Uint8Array(32).fill(9);
const security = { payloadVariant: { case: "security" as const, value: { privateKey: PRIVATE, publicKey: PUBLIC, serialEnabled: true } } };

function frame(init: FromRadioInit) {
  const bytes = encodeFromRadio(init);
  return { message: decodeFromRadio(bytes), bytes };
}

describe("forClients", () => {
  it("blanks the private key of the security section and keeps the rest", () => {
    const out = decodeFromRadio(forClients(frame({ payloadVariant: { case: "config", value: security } })) as Uint8Array);
    const value = out.payloadVariant.case === "config" && out.payloadVariant.value.payloadVariant.case === "security" ? out.payloadVariant.value.payloadVariant.value : null;
    expect(value?.privateKey.length).toBe(0);
    expect(Buffer.from(value?.publicKey ?? []).equals(Buffer.from(PUBLIC))).toBe(true);
    expect(value?.serialEnabled).toBe(true);
  });

  it("blanks it in an admin get_config answer", () => {
    const payload = encodeAdmin({ payloadVariant: { case: "getConfigResponse", value: security } });
    const answer = frame({ payloadVariant: { case: "packet", value: { from: 1, to: 2, id: 3, payloadVariant: { case: "decoded", value: { portnum: PortNum.ADMIN_APP, requestId: 4, payload } } } } });
    const out = decodeFromRadio(forClients(answer) as Uint8Array);
    const data = out.payloadVariant.case === "packet" && out.payloadVariant.value.payloadVariant.case === "decoded" ? out.payloadVariant.value.payloadVariant.value : null;
    expect(data?.requestId).toBe(4);
    const admin = decodeAdmin(data?.payload ?? new Uint8Array());
    expect(admin.payloadVariant.case === "getConfigResponse" && admin.payloadVariant.value.payloadVariant.case === "security" && admin.payloadVariant.value.payloadVariant.value.privateKey.length).toBe(0);
  });

  it("passes everything else byte for byte and keeps file transfers away", () => {
    const lora = frame({ payloadVariant: { case: "config", value: { payloadVariant: { case: "lora", value: { hopLimit: 3 } } } } });
    expect(forClients(lora)).toBe(lora.bytes);
    const text = frame({ payloadVariant: { case: "packet", value: { from: 1, payloadVariant: { case: "decoded", value: { portnum: PortNum.TEXT_MESSAGE_APP, payload: PRIVATE } } } } });
    expect(forClients(text)).toBe(text.bytes);
    expect(forClients(frame({ payloadVariant: { case: "xmodemPacket", value: { buffer: PRIVATE } } }))).toBeNull();
  });
});
