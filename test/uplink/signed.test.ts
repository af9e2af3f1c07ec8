// Firmware 2.8 NodeInfos on the uplink: the decoder checks the XEdDSA signature itself, and
// only a signature that verifies with the claimed key, from the number crc32(key), marks the
// claim self-certified. A gateway's word (MeshPacket.xeddsa_signed) is never asked.
import { describe, expect, it } from "vitest";
import { ChannelKeys } from "../../src/uplink/channels.js";
import { readEnvelope, type EnvelopeOutcome } from "../../src/uplink/decode.js";
import { nodeInfoEnvelope, signedNodeInfoEnvelope } from "../helpers/uplink-publisher.js";
import { makeSigner } from "../helpers/xeddsa-signer.js";

const channels = new ChannelKeys({});
const read = (m: { topic: string; payload: Uint8Array }): EnvelopeOutcome => readEnvelope(m.topic, m.payload, channels);
const signedOf = (out: EnvelopeOutcome): boolean | undefined => (out.kind === "claim" ? (out.claim.signed ?? false) : undefined);

describe("signed NodeInfos from the uplink", () => {
  const signer = makeSigner();

  it("a signature that verifies, from crc32(key), marks the claim self-certified (encrypted and plaintext uplinks)", () => {
    expect(signedOf(read(signedNodeInfoEnvelope(signer)))).toBe(true);
    expect(signedOf(read(signedNodeInfoEnvelope(signer, { plain: true })))).toBe(true);
  });

  it("a broken signature, another sender number or no signature at all leaves a plain claim", () => {
    expect(signedOf(read(signedNodeInfoEnvelope(signer, { tamper: true })))).toBe(false);
    // From another number, the User still names the signer: refused as malformed, never signed.
    expect(read(signedNodeInfoEnvelope(signer, { from: (signer.nodeNum ^ 0x10) >>> 0 }))).toEqual({ kind: "refused", reason: "malformed" });
    expect(signedOf(read(nodeInfoEnvelope({ from: signer.nodeNum, key: signer.publicKey })))).toBe(false);
  });

  it("another node's valid signed NodeInfo replayed under a forged key is not self-certified", () => {
    const other = makeSigner();
    // The forger announces its own key for the signer's number: crc32 no longer matches.
    expect(signedOf(read(nodeInfoEnvelope({ from: signer.nodeNum, key: other.publicKey })))).toBe(false);
  });
});
