// Strategy `connection`: a temporary second TCP connection per sync. Harmless behind a
// multi-client proxy; against a single-client radio it knocks the bot off, which is why
// `inband` is the default and the config refuses `connection` against the bot's own radio.
import { afterEach, describe, expect, it } from "vitest";
import { KeyDirectory } from "../../src/directory/keys.js";
import { MeshtasticRadio } from "../../src/radio/meshtastic.js";
import { fetchNodeDbOnce } from "../../src/radio/oneshot.js";
import type { RadioStatus } from "../../src/radio/link.js";
import { KeySyncManager } from "../../src/sync/manager.js";
import { SimRadio } from "../../src/sim/index.js";
import { ManualClock } from "../helpers/clock.js";
import { nextEvent } from "../helpers/events.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function rig(multiClient: boolean): Promise<{ sim: SimRadio; radio: MeshtasticRadio; manager: KeySyncManager; directory: KeyDirectory }> {
  const sim = new SimRadio({ port: 0, nodes: 40, multiClient });
  const { port } = await sim.start();
  cleanups.push(() => sim.stop());
  const clock = new ManualClock(Date.now());
  const directory = new KeyDirectory({ now: () => Math.floor(clock.now() / 1000), weakHashes: new Set() });
  const radio = new MeshtasticRadio({ host: "127.0.0.1", port, backoffMinMs: 60_000 });
  const manager = new KeySyncManager({
    radio,
    directory,
    clock,
    interval: 300,
    enabled: true,
    initialDelay: 0,
    onDemand: false,
    onDemandMaxPerMinute: 6,
    keyChange: "alert",
    source: (signal) => fetchNodeDbOnce({ host: "127.0.0.1", port }, signal),
  });
  cleanups.push(async () => {
    await manager.stop();
    await radio.stop();
  });
  manager.start();
  const ready = nextEvent(radio, "dump");
  radio.start();
  await ready;
  return { sim, radio, manager, directory };
}

describe("strategy connection", () => {
  it("behind a multi-client proxy: each sync reads the whole NodeDB over its own connection, the bot stays connected", async () => {
    const { sim, radio, manager } = await rig(true);
    const [fresh] = sim.addNodesSilently(1);
    const result = await manager.sync();
    expect(result.checked).toBe(42);
    expect(result.added).toBe(fresh!.publicKey ? 1 : 0);
    await manager.sync();
    expect(sim.stats.connections).toBe(3);
    expect(sim.stats.forceCloses).toBe(0);
    expect(radio.status.state).toBe("connected");
  });

  it("against a single-client radio the second connection knocks the bot off", async () => {
    const { sim, radio, manager } = await rig(false);
    const dropped = nextEvent<RadioStatus>(radio, "status", (s) => s.state === "disconnected");
    await manager.sync();
    await dropped;
    expect(sim.stats.forceCloses).toBe(1);
  });
});
