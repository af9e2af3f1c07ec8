// Handshakes through the API server: from the bridge's cache, in the firmware's order and
// nonce semantics, never forwarded to the radio; several clients and the bridge on a radio
// that serves one; the private key blanked; a client that comes before the radio answered waits.
import { describe, expect, it } from "vitest";
import { NONCE_ONLY_CONFIG, NONCE_ONLY_NODES, heartbeat, wantConfig, type FromRadio } from "../../../src/protocol/messages.js";
import { dumpPayloads } from "../../../src/sim/dump.js";
import { decodeFromRadio } from "../../../src/protocol/messages.js";
import type { SimRadio } from "../../../src/sim/index.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { hex, kinds } from "../../sim/client.js";

/** What the simulated radio itself answers to want_config `nonce`. */
function radioPayloads(sim: SimRadio, nonce: number): Uint8Array[] {
  return [...dumpPayloads(nonce, { db: sim.db, firmwareVersion: sim.options.firmwareVersion, thinNodeInfos: false })];
}

function radioAnswer(sim: SimRadio, nonce: number): FromRadio[] {
  return radioPayloads(sim, nonce).map((p) => decodeFromRadio(p));
}

function security(frames: FromRadio[]) {
  for (const f of frames) {
    if (f.payloadVariant.case === "config" && f.payloadVariant.value.payloadVariant.case === "security") return f.payloadVariant.value.payloadVariant.value;
  }
  return undefined;
}

describe("handshakes through the API server", () => {
  it("serves three clients (the radio link as client) and the bridge on a one-client radio: no force-close, no dump on the radio", async () => {
    const rig = await startApiRig();
    const clients = await Promise.all([rig.link(), rig.link(), rig.link()]);
    for (const { dump } of clients) {
      expect(dump.own?.num).toBe(rig.sim.ownNode.num);
      expect(dump.nodes.map((n) => n.num)).toEqual([...rig.sim.nodes.keys()]);
    }
    expect(rig.server.clients).toHaveLength(3);
    expect(rig.sim.stats).toMatchObject({ connections: 1, forceCloses: 0, dumps: { full: 1, nodesOnly: 0, configOnly: 0 } });
    // The bridge's own link still works: a re-read, one dump on the radio, its frames for the bridge alone.
    await rig.radio.requestNodeDb();
    expect(rig.sim.stats.dumps.nodesOnly).toBe(1);
    expect(rig.sim.stats.forceCloses).toBe(0);
  });

  it("answers each nonce as the firmware does, in its order, ending with config_complete_id echoing it", async () => {
    const rig = await startApiRig({ sim: { nodes: 5 } });
    const client = await rig.raw();
    for (const nonce of [0x5eed, NONCE_ONLY_CONFIG, NONCE_ONLY_NODES]) {
      const from = client.frames.length;
      client.send(wantConfig(nonce));
      const done = await client.waitComplete(nonce, from);
      expect(kinds(client.frames.slice(from, done + 1))).toEqual(kinds(radioAnswer(rig.sim, nonce)));
    }
    const nodesOnly = client.frames.slice(-7);
    expect(nodesOnly.flatMap((f) => (f.payloadVariant.case === "nodeInfo" ? [f.payloadVariant.value.num] : []))).toEqual([rig.sim.ownNode.num, ...rig.sim.nodes.keys()]);
    expect(rig.sim.stats.dumps).toEqual({ full: 1, nodesOnly: 0, configOnly: 0 });
  });

  it("holds the radio's channels and config, byte for byte, with the private key blanked", async () => {
    const rig = await startApiRig();
    const { client } = await rig.link();
    const payloads = radioPayloads(rig.sim, 1).slice(0, -1);
    const radio = payloads.map((p) => decodeFromRadio(p));
    const served = [...(client.cache?.head ?? []), ...(client.cache?.nodes ?? []), ...(client.cache?.tail ?? [])];
    expect(served.map((f) => f.message.payloadVariant.case)).toEqual(kinds(radio));
    // Every frame as the radio sent it, but the security section.
    const isSecurity = (f: FromRadio) => f.payloadVariant.case === "config" && f.payloadVariant.value.payloadVariant.case === "security";
    const differing = served.flatMap((f, i) => (hex(f.bytes) === hex(payloads[i]) ? [] : [i]));
    expect(differing).toEqual([radio.findIndex(isSecurity)]);
    expect(rig.sim.ownPrivateKey.length).toBe(32);
    expect(security(radio)?.privateKey.length).toBe(32);
    const blanked = security(served.map((f) => f.message));
    expect(blanked?.privateKey.length).toBe(0);
    expect(hex(blanked?.publicKey)).toBe(hex(rig.sim.ownNode.publicKey));
    for (const f of served) expect(hex(f.bytes)).not.toContain(hex(rig.sim.ownPrivateKey));
  });

  it("keeps a client that comes before the radio has answered waiting, then serves it from the radio's answer", async () => {
    const rig = await startApiRig({ before: (sim) => sim.hang(), waitForRadio: false });
    const client = await rig.raw();
    client.send(wantConfig(4242));
    // Requests are handled in order: the heartbeat's answer proves the want_config was read, and nothing false came before it.
    client.send(heartbeat());
    await client.waitFor((f) => f.payloadVariant.case === "queueStatus");
    expect(kinds(client.frames)).toEqual(["queueStatus"]);
    rig.sim.resume();
    await client.waitComplete(4242);
    expect(kinds(client.frames.slice(1))).toEqual(kinds(radioAnswer(rig.sim, 4242)));
  });
});
