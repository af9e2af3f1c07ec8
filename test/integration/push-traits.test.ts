// What a push keeps of the node's User survives a restart: add_contact makes the firmware store
// the contact's whole User, so the bridge must put back the hardware model, role and
// is_unmessagable the radio had reported, even when no dump of this run mentions the node
// (the radio lost it meanwhile). The whole bridge in-process, restarted on one store folder,
// against the simulated radio, which stores contacts as NodeDB::addFromContact does.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DeviceRole, HardwareModel } from "../../src/protocol/messages.js";
import type { SimNode } from "../../src/sim/index.js";
import { startRig, type Rig } from "../helpers/app.js";
import { Observer, json } from "../helpers/mqtt.js";

const BASE = "meshtastic-keysync";
const SIM = { nodes: 20, seed: 14 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Running {
  rig: Rig;
  observer: Observer;
  stop(): Promise<void>;
}

/** A bridge on the folder `dir`, synced once; `prepare` changes the radio before the bridge connects. */
async function bridge(dir: string, prepare?: (sim: Rig["sim"]) => void): Promise<Running> {
  const rig = await startRig({ log_level: "warn", push: { enabled: true } }, { dir, sim: SIM, ...(prepare ? { prepare: ({ sim }) => prepare(sim) } : {}) });
  const observer = await Observer.connect(rig.mqttUrl, [`${BASE}/sync/stats`, `${BASE}/bridge/response/#`, `${BASE}/nodes/+`]);
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= observer.close().then(() => rig.stop()));
  cleanups.push(stop);
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
  return { rig, observer, stop };
}

async function request(observer: Observer, command: string, payload: unknown): Promise<{ status: string; data: Record<string, unknown> }> {
  const mark = observer.mark();
  await observer.client.publishAsync(`${BASE}/bridge/request/${command}`, JSON.stringify(payload), { qos: 1 });
  return json((await observer.next(`${BASE}/bridge/response/${command}`, () => true, mark)).text) as { status: string; data: Record<string, unknown> };
}

const identity = (n: SimNode) => ({ hw: n.hwModel, role: n.role, licensed: n.isLicensed, unmessagable: n.isUnmessagable });

describe("a push after a restart", () => {
  it("writes the hardware model, role and unmessagable the radio reported before the restart, though no dump of this run lists the node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keysync-traits-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));

    const first = await bridge(dir);
    const node = [...first.rig.sim.nodes.values()].find((n) => n.publicKey && n.role === (DeviceRole.ROUTER as number))!;
    const held = identity(first.rig.sim.nodes.get(node.num)!);
    expect(held).toMatchObject({ role: DeviceRole.ROUTER, unmessagable: true });
    expect(held.hw).not.toBe(HardwareModel.UNSET);
    await first.observer.next(`${BASE}/nodes/${node.id}`, (t) => (json(t) as { in_radio: boolean }).in_radio);
    await first.stop();

    // The radio lost the node while the bridge was down (evicted, or an emptied NodeDB).
    const second = await bridge(dir, (sim) => expect(sim.evictNode(node.num)).toBe(true));
    const view = json((await second.observer.next(`${BASE}/nodes/${node.id}`, (t) => !(json(t) as { in_radio: boolean }).in_radio)).text);
    expect(view).toMatchObject({ has_key: true, in_radio: false });
    expect(second.rig.sim.nodes.has(node.num)).toBe(false);

    expect(await request(second.observer, "push", { id: node.id })).toMatchObject({ status: "ok", data: { sent: true, confirmed: true } });
    const entry = second.rig.sim.nodes.get(node.num)!;
    expect(identity(entry)).toEqual(held);
    expect(Buffer.from(entry.publicKey!).equals(Buffer.from(node.publicKey!))).toBe(true);
    await second.stop();
    // The traits are kept with the node in the store's files, as an internal number.
    const doc = JSON.parse(readFileSync(join(dir, "keys.json"), "utf8")) as { nodes: { num: number; traits?: number }[] };
    expect(doc.nodes.find((n) => n.num === node.num)?.traits).toEqual(expect.any(Number));
  });
});
