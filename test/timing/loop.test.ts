import { describe, expect, it } from "vitest";
import { Loop } from "../../src/timing/loop.js";

describe("Loop", () => {
  it("runs one body at a time; stop() aborts it, runs the interrupt and waits for the body to return", async () => {
    const loop = new Loop();
    const events: string[] = [];
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    loop.start(async (signal) => {
      events.push("started");
      await blocked;
      events.push(signal.aborted ? "saw abort" : "not aborted");
    });
    loop.start(() => {
      events.push("second body"); // ignored: one is running
      return Promise.resolve();
    });
    expect(loop.signal?.aborted).toBe(false);
    const stopped = loop.stop(() => {
      events.push("interrupt");
      release();
    });
    expect(await stopped).toBe(true);
    expect(events).toEqual(["started", "interrupt", "saw abort"]);
    expect(loop.signal).toBeNull();
    expect(await loop.stop()).toBe(false);
  });

  it("a body that returns by itself leaves the loop free to start again", async () => {
    const loop = new Loop();
    let runs = 0;
    let finished: () => void = () => {};
    const body = async (): Promise<void> => {
      runs++;
      await Promise.resolve();
      finished();
    };
    let done = new Promise<void>((resolve) => (finished = resolve));
    loop.start(body);
    await done;
    await new Promise<void>((resolve) => setImmediate(resolve)); // every promise callback has run
    expect(loop.signal).toBeNull();
    done = new Promise<void>((resolve) => (finished = resolve));
    loop.start(body);
    await done;
    expect(runs).toBe(2);
  });
});
