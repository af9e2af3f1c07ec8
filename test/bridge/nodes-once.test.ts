// One nodes/<id> per node per start (issue 24 item 10): after a restart every stored node's
// key_source is "store" until the radio's first dump makes it "nodedb"; the bridge holds the
// node statuses until that first sync, so each goes out once, not twice.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Mosquitto } from "../helpers/mosquitto.js";
import { Observer, json } from "../helpers/mqtt.js";
import { startRig } from "../helpers/app.js";

const BASE = "meshtastic-keysync";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("nodes/<id> at start", () => {
  it("a restart on a store of 20 nodes publishes each node's status once, with the radio's key source, before the first sync's stats", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keysync-once-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // First run (embedded broker): the store learns the radio's nodes.
    const first = await startRig({}, { dir });
    const before = await Observer.connect(first.mqttUrl, [`${BASE}/sync/stats`]);
    await before.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
    await before.close();
    await first.stop();
    // Second run against a Mosquitto the observer listens on from before the start.
    const broker = await Mosquitto.start();
    cleanups.push(() => broker.stop());
    const o = await Observer.connect(broker.url, [`${BASE}/nodes/+`, `${BASE}/sync/stats`]);
    cleanups.push(() => o.close());
    const second = await startRig({ mqtt: { server: broker.url } }, { dir });
    cleanups.push(() => second.stop());
    await o.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
    const nodes = o.messages.filter((m) => m.topic.startsWith(`${BASE}/nodes/`));
    const perTopic = new Map<string, number>();
    for (const m of nodes) perTopic.set(m.topic, (perTopic.get(m.topic) ?? 0) + 1);
    expect(perTopic.size).toBeGreaterThanOrEqual(20);
    expect([...perTopic.values()].filter((n) => n !== 1)).toEqual([]);
    const sources = new Set(nodes.map((m) => (json(m.text) as { key_source: string | null }).key_source));
    expect(sources.has("store")).toBe(false);
  });
});
