// Strategy `connection`: a temporary second TCP connection per sync. Harmless behind a
// multi-client proxy; against a single-client radio it knocks the bot off, which is why
// `inband` is the default and the config refuses `connection` against the bot's own radio.
import { describe, expect, it } from "vitest";
import { fetchNodeDbOnce } from "../../src/radio/oneshot.js";
import type { RadioStatus } from "../../src/radio/link.js";
import { nextEvent } from "../helpers/events.js";
import { startKeySync, type KeySyncRig } from "../helpers/keysync.js";

function rig(multiClient: boolean): Promise<KeySyncRig> {
  return startKeySync({
    sim: { nodes: 40, multiClient },
    radio: { backoffMinMs: 60_000 },
    manager: { onDemand: false },
    source: (port) => (signal) => fetchNodeDbOnce({ host: "127.0.0.1", port }, signal),
  });
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
