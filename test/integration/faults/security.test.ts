// Secrets never leave: no MQTT message and no log line holds mqtt.password, the embedded
// broker's password, a TLS key's contents or the radio's private key. The embedded broker
// binds to loopback and refuses wrong credentials. Under `pin`, nothing either side sends
// replaces a stored key, except accept_key for that very node.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { createServer as createTlsServer } from "node:tls";
import { join } from "node:path";
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedBroker } from "../../../src/mqtt/broker.js";
import { fingerprintOf } from "../../../src/directory/record.js";
import { nextEvent } from "../../helpers/events.js";
import { Observer, json } from "../../helpers/mqtt.js";
import { startRig, type Rig } from "../../helpers/app.js";

const BASE = "meshtastic-keysync";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MQTT_PASSWORD = "mqtt-pw-4f1d9c0b7e";
const URL_PASSWORD = "url-pw-a93b17d2c4";
const BROKER_PASSWORD = "broker-pw-77e2d01f5a";

function leaks(texts: string[], secrets: string[]): string[] {
  return texts.flatMap((text) => secrets.filter((s) => text.includes(s)).map((s) => `${s} in ${text.slice(0, 200)}`));
}

/** Makes the bridge publish and log as much as it can: syncs, commands, a send, live packets. */
async function exercise(rig: Rig, observer: Observer): Promise<void> {
  const ask = async (command: string, payload: string): Promise<void> => {
    const since = observer.mark();
    await observer.client.publishAsync(`${BASE}/bridge/request/${command}`, payload, { qos: 1 });
    await observer.next(`${BASE}/bridge/response/${command}`, () => true, since);
  };
  const node = [...rig.sim.nodes.values()].find((n) => n.publicKey)!;
  await ask("sync", "");
  await ask("stats", "");
  await ask("node", node.id);
  await ask("send", JSON.stringify({ to: node.id, text: "hello" }));
  await ask("interval", "{bad");
  rig.sim.rotateKey(node.num);
  const changed = observer.next(`${BASE}/bridge/event`, (t) => t.includes("key_changed"), observer.mark());
  rig.sim.deliverNodeInfo(node.num);
  await changed;
}

function privateKeyForms(key: Uint8Array): string[] {
  const buf = Buffer.from(key);
  return [buf.toString("hex"), buf.toString("base64"), buf.toString("base64url"), buf.subarray(0, 12).toString("hex")];
}

describe("secrets", () => {
  it("an external broker with a password and a TLS client key: none of them, nor the radio's private key, is published or logged", async () => {
    const broker = new EmbeddedBroker({ port: 0, username: "bridge", password: MQTT_PASSWORD });
    await broker.start();
    cleanups.push(() => broker.stop());
    const observer = await Observer.connect(broker.url, ["#"], { username: "bridge", password: MQTT_PASSWORD });
    cleanups.push(() => observer.close());
    const tls = mkdtempSync(join(tmpdir(), "keysync-tls-"));
    cleanups.push(() => rmSync(tls, { recursive: true, force: true }));
    // A real key and self-signed certificate (the client parses them even for mqtt://).
    const made = spawnSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", join(tls, "key.pem"), "-out", join(tls, "cert.pem"), "-days", "1", "-subj", "/CN=127.0.0.1"], { encoding: "utf8" });
    expect(made.status, made.stderr).toBe(0);
    const keyBody = readFileSync(join(tls, "key.pem"), "utf8").split("\n").filter((l) => l && !l.startsWith("-----"));
    const paths = { ca: join(tls, "cert.pem"), cert: join(tls, "cert.pem"), key: join(tls, "key.pem") };
    // TLS in front of the broker (a client key makes MQTT.js speak TLS); the client key is ours.
    const proxy = createTlsServer({ key: readFileSync(paths.key), cert: readFileSync(paths.cert) }, (socket) => {
      const upstream = connect(broker.port, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      socket.on("error", () => upstream.destroy());
      upstream.on("error", () => socket.destroy());
      socket.on("close", () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
    const tlsPort = (proxy.address() as { port: number }).port;
    const rig = await startRig({ mqtt: { server: `mqtts://127.0.0.1:${tlsPort}`, username: "bridge", password: MQTT_PASSWORD, tls: { ...paths, reject_unauthorized: false } } });
    cleanups.push(() => rig.stop());
    await observer.next(`${BASE}/radio/state`, (t) => t.includes('"connected"'));
    await exercise(rig, observer);
    const secrets = [MQTT_PASSWORD, ...keyBody, ...privateKeyForms(rig.sim.ownPrivateKey)];
    expect(observer.messages.length).toBeGreaterThan(30);
    expect(leaks(observer.messages.map((m) => `${m.topic} ${m.text}`), secrets)).toEqual([]);
    expect(leaks(rig.logs, secrets)).toEqual([]);
    expect(rig.logs.some((l) => l.includes("sync: checked"))).toBe(true);
  });

  it("a password inside mqtt.server's URL is published and logged as ***", async () => {
    const broker = new EmbeddedBroker({ port: 0, username: "bridge", password: URL_PASSWORD });
    await broker.start();
    cleanups.push(() => broker.stop());
    const observer = await Observer.connect(broker.url, ["#"], { username: "bridge", password: URL_PASSWORD });
    cleanups.push(() => observer.close());
    const rig = await startRig({ mqtt: { server: `mqtt://bridge:${URL_PASSWORD}@127.0.0.1:${broker.port}` } });
    cleanups.push(() => rig.stop());
    await observer.next(`${BASE}/radio/state`, (t) => t.includes('"connected"'));
    await exercise(rig, observer);
    expect(leaks(observer.messages.map((m) => `${m.topic} ${m.text}`), [URL_PASSWORD])).toEqual([]);
    expect(leaks(rig.logs, [URL_PASSWORD])).toEqual([]);
  });

  it("the embedded broker binds to loopback, refuses wrong or missing credentials, and its password is never shown", async () => {
    const rig = await startRig({ embedded_broker: { username: "keysync", password: BROKER_PASSWORD }, mqtt: { username: "keysync", password: BROKER_PASSWORD } });
    cleanups.push(() => rig.stop());
    expect(rig.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const refused = async (opts: mqtt.IClientOptions): Promise<string> => {
      const error = await mqtt.connectAsync(rig.mqttUrl, { reconnectPeriod: 0, protocolVersion: 4, ...opts }).then(
        async (c) => {
          await c.endAsync(true);
          return null;
        },
        (e: Error) => e.message,
      );
      expect(error).not.toBeNull();
      return error as string;
    };
    expect(await refused({ username: "keysync", password: "wrong" })).toMatch(/Bad username or password|Not authorized/i);
    expect(await refused({})).toMatch(/Bad username or password|Not authorized/i);
    expect(await refused({ username: "someone", password: BROKER_PASSWORD })).toMatch(/Bad username or password|Not authorized/i);
    const observer = await Observer.connect(rig.mqttUrl, ["#"], { username: "keysync", password: BROKER_PASSWORD });
    cleanups.push(() => observer.close());
    await observer.next(`${BASE}/radio/state`, (t) => t.includes('"connected"'));
    await exercise(rig, observer);
    const info = json((await observer.next(`${BASE}/bridge/info`)).text) as { config: { embedded_broker: { password: string }; mqtt: { password: string } } };
    expect(info.config.embedded_broker.password).toBe("***");
    expect(info.config.mqtt.password).toBe("***");
    const secrets = [BROKER_PASSWORD, ...privateKeyForms(rig.sim.ownPrivateKey)];
    expect(leaks(observer.messages.map((m) => `${m.topic} ${m.text}`), secrets)).toEqual([]);
    expect(leaks(rig.logs, secrets)).toEqual([]);
  });
});

describe("pin policy", () => {
  it("nothing the radio or MQTT sends replaces a pinned key; only accept_key for that node does", async () => {
    const rig = await startRig({ sync: { key_change: "pin" } }, { sim: { nodes: 12 } });
    cleanups.push(() => rig.stop());
    const o = await Observer.connect(rig.mqttUrl, [`${BASE}/#`]);
    cleanups.push(() => o.close());
    await o.next(`${BASE}/radio/state`, (t) => t.includes('"connected"'));
    const ask = async (command: string, payload: string): Promise<{ status: string; data: Record<string, unknown> }> => {
      const since = o.mark();
      await o.client.publishAsync(`${BASE}/bridge/request/${command}`, payload, { qos: 1 });
      return json((await o.next(`${BASE}/bridge/response/${command}`, () => true, since)).text) as { status: string; data: Record<string, unknown> };
    };
    const keyed = [...rig.sim.nodes.values()].filter((n) => n.publicKey);
    const [target, other, third] = keyed as [typeof keyed[0], typeof keyed[0], typeof keyed[0]];
    const original = fingerprintOf(target.publicKey!);
    await o.next(`${BASE}/nodes/${target.id}`); // announced once durable
    const fingerprint = async (): Promise<unknown> => (await ask("node", target.id)).data.key_fingerprint;
    expect(await fingerprint()).toBe(original);

    // The radio side: a new key in the NodeDB, in a NodeInfo, in PKI DMs, in a dump, after a reconnect.
    const rotated = rig.sim.rotateKey(target.num);
    const pinned = o.next(`${BASE}/bridge/event`, (t) => t.includes('"pinned"'), o.mark());
    rig.sim.deliverNodeInfo(target.num);
    await pinned;
    rig.sim.deliverPkiDm(target.num, "hello");
    expect((await ask("sync", "")).status).toBe("ok");
    rig.sim.rotateKey(target.num);
    rig.sim.deliverPkiDm(target.num, "again");
    rig.sim.deliverNodeInfo(target.num);
    const reconnected = nextEvent(rig.sim, "dump", (d: { kind: string }) => d.kind === "full");
    rig.sim.dropClient();
    await reconnected;
    expect((await ask("sync", "")).status).toBe("ok");
    rig.sim.duplicateKey(other.num, target.num);
    expect((await ask("sync", "")).status).toBe("ok");
    expect(await fingerprint()).toBe(original);

    // The MQTT side: accept_key, forget and node for other nodes, bad forms of accept_key for this one.
    rig.sim.rotateKey(other.num);
    expect((await ask("sync", "")).status).toBe("ok");
    expect((await ask("accept_key", other.id)).status).toBe("ok");
    expect((await ask("forget", third.id)).status).toBe("ok");
    expect((await ask("sync", "")).status).toBe("ok");
    for (const bad of [JSON.stringify({ id: [target.id] }), JSON.stringify({ id: target.id.toUpperCase().replace("!", "#") }), `${target.id}0`, JSON.stringify({ value: target.id })]) {
      expect((await ask("accept_key", bad)).status).toBe("error");
    }
    expect(await fingerprint()).toBe(original);
    const view = (await ask("node", target.id)).data;
    expect(view.status).toBe("changed");
    expect(rotated).not.toEqual(target.publicKey);

    // The one way: accept_key for this node takes the radio's current key.
    const accepted = (await ask("accept_key", target.id)).data;
    expect(accepted.key_fingerprint).not.toBe(original);
    expect(accepted.status).not.toBe("changed");
  });
});
