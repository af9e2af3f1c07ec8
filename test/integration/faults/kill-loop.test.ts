// kill -9 while keys keep arriving: the real CLI in a child process learns keys from live
// NodeInfos (20 a second) and is SIGKILLed at points a fixed seed chooses, again and again.
// After each kill, the store is read as the next start reads it: every key the bridge ever
// announced on nodes/<id> must be there, with the announced fingerprint. Zero lost.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { Prng } from "../../../src/sim/prng.js";
import { start } from "../../cli/run.js";
import { Observer, json } from "../../helpers/mqtt.js";
import { loadOnce } from "../../helpers/store.js";
import { useChildRig } from "../../helpers/child-rig.js";

const BASE = "keysync-kill";
const ROUNDS = 8;
const SEED = 20261201;

const rig = useChildRig("keysync-kill-");

interface NodeMessage {
  id: string;
  has_key: boolean;
  key_fingerprint: string | null;
}

describe("kill -9 while keys arrive", () => {
  it(`${ROUNDS} SIGKILLs at seeded points: every announced key is in the store at the next start`, async () => {
    const storePath = join(rig.dir, "keys.json");
    const config = join(rig.dir, "config.yaml");
    writeFileSync(config, stringify({ radio: { host: "127.0.0.1", port: rig.sim.address.port }, mqtt: { server: rig.broker.url, base_topic: BASE }, store: { path: storePath }, log_level: "warn" }));
    const observer = await Observer.connect(rig.broker.url, [`${BASE}/nodes/+`, `${BASE}/bridge/state`]);
    const announced = new Map<string, string>();
    observer.client.on("message", (topic, payload) => {
      if (!topic.startsWith(`${BASE}/nodes/`) || payload.length === 0) return;
      const node = json(payload.toString()) as NodeMessage;
      if (node.has_key && node.key_fingerprint) announced.set(node.id, node.key_fingerprint);
    });
    // New nodes with keys, each announcing itself with a NodeInfo: keys arrive all the time.
    const feed = setInterval(() => {
      const [node] = rig.sim.addNodesSilently(1);
      if (node) rig.sim.deliverNodeInfo(node.num);
    }, 50);
    const prng = new Prng(SEED);
    let lost: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const mark = observer.mark();
        const { child, finished } = start(["--config", config], { cwd: rig.dir });
        await observer.next(`${BASE}/bridge/state`, (t) => t.includes('"online"'), mark);
        // The kill point: after a seeded number of fresh announcements, plus a seeded few ms
        // (so it lands anywhere in a write: before, during or after a batch's fsync).
        const wanted = prng.int(1, 25);
        const since = observer.mark();
        await waitForCount(observer, since, wanted);
        await new Promise((resolve) => setTimeout(resolve, prng.int(0, 40))); // a kill point, not a wait for state
        child.kill("SIGKILL");
        const result = await finished;
        expect(result.code, result.stderr).toBeNull();
        const { records } = await loadOnce(storePath);
        const stored = new Map(records.map((r) => [r.id, r.fingerprint]));
        lost = [...announced].filter(([id, fingerprint]) => stored.get(id) !== fingerprint).map(([id]) => id);
        expect(lost, `round ${round}: announced but not stored`).toEqual([]);
      }
    } finally {
      clearInterval(feed);
      await observer.close();
    }
    const { records } = await loadOnce(storePath);
    process.stderr.write(`kill -9 loop: ${ROUNDS} kills, ${announced.size} keys announced, ${[...announced.keys()].filter((id) => records.some((r) => r.id === id)).length} of them in the store, ${lost.length} lost\n`);
    expect(announced.size).toBeGreaterThan(ROUNDS * 5);
  }, 180_000);
});

/** Resolves once `count` keyed nodes/<id> messages arrived after `since`. */
function waitForCount(observer: Observer, since: number, count: number): Promise<void> {
  const keyed = (): number => observer.messages.slice(since).filter((m) => m.topic.startsWith(`${BASE}/nodes/`) && m.text.includes('"has_key":true')).length;
  return new Promise((resolve) => {
    const check = (): void => {
      if (keyed() < count) return;
      observer.client.off("message", check);
      resolve();
    };
    observer.client.on("message", check);
    check();
  });
}
