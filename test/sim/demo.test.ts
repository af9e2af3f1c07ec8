// The demo schedule: steps driven by an injected sleep, and stop() ends it.
import { afterEach, describe, expect, it } from "vitest";
import { wantConfig } from "../../src/protocol/messages.js";
import { SimRadio, type DemoStep, type Sleep } from "../../src/sim/index.js";
import { TestClient } from "./client.js";

/** A sleep the test releases by hand, one step at a time. */
function manualSleep(): { sleep: Sleep; tick: () => void; pending: () => number } {
  const waiting: (() => void)[] = [];
  const sleep: Sleep = (_ms, signal) =>
    new Promise<void>((resolve, reject) => {
      signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true });
      waiting.push(resolve);
    });
  return { sleep, tick: () => waiting.shift()?.(), pending: () => waiting.length };
}

let radio: SimRadio | undefined;
let client: TestClient | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  await radio?.stop();
  radio = undefined;
});

describe("demo schedule", () => {
  it("adds a node silently then sends its encrypted packet, delivers NodeInfos and rotates a key", async () => {
    radio = new SimRadio({ port: 0, nodes: 10 });
    const { port } = await radio.start();
    client = await TestClient.connect(port);
    client.send(wantConfig(1));
    const done = await client.waitComplete(1);
    const steps: DemoStep[] = [];
    const { sleep, tick } = manualSleep();
    radio.startDemo({ everyMs: 1, sleep, onStep: (s) => steps.push(s) });
    const next = async (): Promise<DemoStep> => {
      const count = steps.length;
      tick();
      await expect.poll(() => steps.length).toBe(count + 1);
      return steps[count] as DemoStep;
    };
    const silent = await next();
    expect(silent.kind).toBe("silentNode");
    expect(radio.nodes.size).toBe(11);
    const encrypted = await client.waitFor((f) => f.payloadVariant.case === "packet" && f.payloadVariant.value.from === silent.num, done);
    expect(client.frames[encrypted]?.payloadVariant.value).toMatchObject({ payloadVariant: { case: "encrypted" } });
    expect((await next()).kind).toBe("nodeInfo");
    const reflashed = await next();
    expect(reflashed.kind).toBe("reflash");
    // A re-flash changes the key on the air only: the NodeDB keeps the one it had.
    expect(radio.db.device(reflashed.num)?.publicKey).not.toEqual(radio.nodes.get(reflashed.num)?.publicKey);
    expect((await next()).kind).toBe("position");
  });

  it("stop() ends the schedule: no step runs afterwards", async () => {
    radio = new SimRadio({ port: 0, nodes: 10 });
    await radio.start();
    const steps: DemoStep[] = [];
    const { sleep, tick, pending } = manualSleep();
    radio.startDemo({ sleep, onStep: (s) => steps.push(s) });
    await expect.poll(pending).toBe(1);
    await radio.stop();
    tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toHaveLength(0);
    expect(radio.nodes.size).toBe(10);
  });

  it("leaves no handle behind: the demo timer is unref'd and stop() closes everything", async () => {
    const kind = (prefix: string) => (): number => process.getActiveResourcesInfo().filter((r) => r.startsWith(prefix)).length;
    const sockets = kind("TCP");
    const timers = kind("Timeout");
    // Handles of earlier tests finish closing first (libuv closes them a loop turn later).
    await expect.poll(sockets).toBe(0);
    radio = new SimRadio({ port: 0, nodes: 10 });
    const { port } = await radio.start();
    client = await TestClient.connect(port);
    client.send(wantConfig(1));
    await client.waitComplete(1);
    expect(sockets()).toBeGreaterThan(0);
    const timersBefore = timers();
    radio.startDemo({ everyMs: 60_000 });
    expect(timers()).toBe(timersBefore); // the demo's sleep does not hold the process
    await client.close();
    client = undefined;
    await radio.stop();
    await expect.poll(sockets).toBe(0);
  });
});
