// Safe by default: with api_server.admin false a client's add_contact is absorbed (answered as
// the radio would; the push policy decides what reaches the radio), admin reads pass, admin
// writes are refused with a routing error, a clientNotification the client can show and a
// warning naming the client. With admin true they pass through, the private key too, and a
// write makes the bridge re-read the config.
import { createCipheriv, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BROADCAST_NUM, PortNum, RoutingError, encodeAdmin, encodeToRadio, wantConfig } from "../../../src/protocol/messages.js";
import { startApiRig } from "../../helpers/api-rig.js";
import { nextEvent } from "../../helpers/events.js";
import { addContact, admin, routingCode } from "../../helpers/to-radio.js";
import type { TestClient } from "../../sim/client.js";

async function ready(client: TestClient): Promise<void> {
  client.send(wantConfig(0x2000));
  await client.waitComplete(0x2000);
}

async function answer(client: TestClient, id: number): Promise<number | undefined> {
  const at = await client.waitFor((f) => routingCode(f, id) !== undefined, 0, `the routing answer to ${id}`);
  return routingCode(client.frames[at]!, id);
}

/** The firmware's default channel key, which psk 0x01 (as the simulator serves) stands for (Channels.cpp). */
const DEFAULT_PSK = Buffer.from("d4f1bb3a20290759f0bcffabcf4e6901", "hex");

/**
 * The bypass of issue 24: an admin message as the firmware would decrypt it (Data: portnum 6,
 * payload), AES-CTR under the channel key with the nonce of packet id and sender.
 */
function sealedAdmin(to: number, id: number, own: number, message: Parameters<typeof encodeAdmin>[0]): Uint8Array {
  const adminBytes = encodeAdmin(message);
  const data = Buffer.concat([Buffer.from([0x08, PortNum.ADMIN_APP, 0x12, adminBytes.length]), adminBytes]);
  const nonce = Buffer.alloc(16);
  nonce.writeUInt32LE(id, 0);
  nonce.writeUInt32LE(own, 8);
  const cipher = createCipheriv("aes-128-ctr", DEFAULT_PSK, nonce);
  const encrypted = Buffer.concat([cipher.update(data), cipher.final()]);
  return encodeToRadio({ payloadVariant: { case: "packet", value: { to, id, wantAck: true, channel: 0, payloadVariant: { case: "encrypted", value: encrypted } } } });
}

const setOwner = { payloadVariant: { case: "setOwner", value: { longName: "Taken over", shortName: "OWN" } } } as const;
const getOwner = { payloadVariant: { case: "getOwnerRequest", value: true } } as const;

describe("admin messages from API clients", () => {
  it("absorbs add_contact without admin: an ACK for the client, the directory's key (not the client's) pushed by the policy", async () => {
    const rig = await startApiRig({ push: true });
    const own = rig.sim.ownNode.num;
    const to = [...rig.sim.nodes.keys()][1] as number;
    const ours = rig.directory.get(to)?.confirmedKey as Uint8Array;
    rig.sim.setKey(to, null);
    await rig.radio.requestNodeDb();
    const contacts: number[] = [];
    rig.sim.on("admin", (e) => e.kind === "addContact" && contacts.push(e.num));
    const client = await rig.raw();
    await ready(client);
    const pushed = nextEvent(rig.sim, "admin", (e: { kind: string }) => e.kind === "addContact");
    client.send(addContact(own, 901, to, randomBytes(32)));
    expect(await answer(client, 901)).toBe(RoutingError.NONE);
    await pushed;
    expect(contacts).toEqual([to]);
    expect(rig.sim.clientPackets.some((r) => r.packet.id === 901)).toBe(false);
    expect(Buffer.from(rig.sim.nodes.get(to)?.publicKey ?? []).equals(Buffer.from(ours))).toBe(true);
  });

  it("refuses an admin write without admin (NOT_AUTHORIZED, a warning naming the client) and passes an admin read", async () => {
    const rig = await startApiRig();
    const own = rig.sim.ownNode.num;
    const client = await rig.raw();
    await ready(client);
    client.send(admin(own, 902, setOwner));
    expect(await answer(client, 902)).toBe(RoutingError.NOT_AUTHORIZED);
    // What the apps and the Python CLI show: a warning naming what was refused and the setting that allows it.
    const at = await client.waitFor((f) => f.payloadVariant.case === "clientNotification", 0, "the notification");
    const told = client.frames[at]?.payloadVariant;
    expect(told?.case === "clientNotification" && told.value).toMatchObject({ level: 30, replyId: 902 });
    expect(told?.case === "clientNotification" && told.value.message).toBe(
      "meshtastic-keysync refused admin setOwner: this API server passes no admin writes (api_server.admin is false; set it to true to allow them)",
    );
    expect(client.frames.filter((f) => f.payloadVariant.case === "clientNotification")).toHaveLength(1);
    const address = `${client.socket.localAddress}:${client.socket.localPort}`;
    expect(rig.log.find("warn", "refused admin setOwner")).toEqual([expect.objectContaining({ obj: { client: address, refused: "admin setOwner" } })]);
    client.send(admin(own, 903, getOwner));
    expect(await answer(client, 903)).toBe(RoutingError.NONE);
    expect(rig.sim.clientPackets.map((r) => r.packet.id)).toEqual([903]);
    expect(rig.sim.ownNode.longName).not.toBe("Taken over");
  });

  it("refuses what a client encrypted itself for the radio without admin: the encrypted set_owner and add_contact never reach it, the key is never learned", async () => {
    const rig = await startApiRig();
    const own = rig.sim.ownNode.num;
    const target = [...rig.sim.nodes.keys()][2] as number;
    const before = rig.directory.get(target)?.confirmedKey as Uint8Array;
    const client = await rig.raw();
    await ready(client);
    const forged = randomBytes(32);
    const contact = { payloadVariant: { case: "addContact", value: { nodeNum: target, user: { id: `!${target.toString(16).padStart(8, "0")}`, longName: "Laundered", publicKey: forged } } } } as const;
    client.send(sealedAdmin(own, 921, own, setOwner));
    client.send(sealedAdmin(0, 922, own, contact));
    client.send(sealedAdmin(BROADCAST_NUM, 923, own, setOwner));
    for (const id of [921, 922, 923]) expect(await answer(client, id)).toBe(RoutingError.NOT_AUTHORIZED);
    expect(rig.log.find("warn", "refused an encrypted packet to the radio itself")).toHaveLength(3);
    // A packet the client encrypted for another node is only relayed by the radio: it passes.
    const relayed = nextEvent(rig.sim, "packetFromClient");
    client.send(sealedAdmin(target, 924, own, setOwner));
    await relayed;
    expect(rig.sim.clientPackets.map((r) => r.packet.id)).toEqual([924]);
    await rig.manager.syncFresh();
    expect(rig.sim.ownNode.longName).not.toBe("Taken over");
    expect(Buffer.from(rig.directory.get(target)?.confirmedKey ?? []).equals(Buffer.from(before))).toBe(true);
  });

  it("passes add_contact, admin writes and the private key through with admin: true, and re-reads the config after a write", async () => {
    const rig = await startApiRig({ server: { admin: true } });
    const own = rig.sim.ownNode.num;
    const client = await rig.raw();
    await ready(client);
    const security = client.frames.find((f) => f.payloadVariant.case === "config" && f.payloadVariant.value.payloadVariant.case === "security");
    expect(security?.payloadVariant.case === "config" && security.payloadVariant.value.payloadVariant.case === "security" && Buffer.from(security.payloadVariant.value.payloadVariant.value.privateKey).equals(Buffer.from(rig.sim.ownPrivateKey))).toBe(true);
    const num = [...rig.sim.nodes.keys()][0] as number;
    client.send(addContact(own, 911, num, randomBytes(32)));
    expect(await answer(client, 911)).toBe(RoutingError.NONE);
    const reread = nextEvent(rig.sim, "dump", (d: { kind: string }) => d.kind === "configOnly");
    client.send(admin(own, 912, setOwner));
    expect(await answer(client, 912)).toBe(RoutingError.NONE);
    await reread;
    expect(rig.sim.clientPackets.map((r) => r.packet.id)).toEqual([911, 912]);
    expect(rig.sim.stats.dumps).toMatchObject({ full: 1, configOnly: 1 });
  });
});
