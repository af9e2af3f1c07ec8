import { describe, expect, it, onTestFinished } from "vitest";
import { Coalescer } from "../../src/timing/coalesce.js";
import { ManualClock, flush } from "../helpers/clock.js";

/** A coalescer whose runs record the clock's time and the state they saw. */
function setup(gapMs = 1_000) {
  const clock = new ManualClock(0);
  const runs: { at: number; state: number }[] = [];
  const errors: unknown[] = [];
  let state = 0;
  let fail = false;
  const coalescer = new Coalescer({
    clock,
    gapMs,
    run: () => {
      if (fail) {
        fail = false;
        throw new Error("broken run");
      }
      runs.push({ at: clock.now(), state });
    },
    onError: (e) => errors.push(e),
  });
  coalescer.start();
  onTestFinished(() => coalescer.stop());
  const change = (): void => {
    state += 1;
    coalescer.poke();
  };
  return { clock, coalescer, runs, errors, change, failNext: () => (fail = true) };
}

describe("Coalescer", () => {
  it("does nothing until poked; a lone change runs at once, after the synchronous code that made it", async () => {
    const { runs, change } = setup();
    await flush();
    expect(runs).toEqual([]);
    change();
    change();
    change();
    // Not inside the caller: the rest of a synchronous burst lands first.
    expect(runs).toEqual([]);
    await flush();
    expect(runs).toEqual([{ at: 0, state: 3 }]);
  });

  it("a burst of 200 changes over 2 s: at most one run a second, at least a gap apart, the last state run last", async () => {
    const { clock, runs, change } = setup();
    for (let i = 0; i < 200; i++) {
      change();
      await flush();
      await clock.advance(10);
    }
    // The last change came at 1,990 ms; its run came when the gap after the run at 1,000 ms ended.
    expect(runs.map((r) => r.at)).toEqual([0, 1_000, 2_000]);
    expect(runs.at(-1)?.state).toBe(200);
    // Nothing more once the state is out.
    await clock.advance(5_000);
    expect(runs).toHaveLength(3);
  });

  it("a change during the gap waits for its end (trailing edge); after a quiet spell the next runs at once again", async () => {
    const { clock, runs, change } = setup();
    change();
    await flush();
    await clock.advance(300);
    change();
    await flush();
    expect(runs).toEqual([{ at: 0, state: 1 }]);
    await clock.advance(700);
    expect(runs).toEqual([{ at: 0, state: 1 }, { at: 1_000, state: 2 }]);
    await clock.advance(10_000);
    change();
    await flush();
    expect(runs.at(-1)).toEqual({ at: 11_000, state: 3 });
  });

  it("stop() runs a change that was still waiting, and ends the loop", async () => {
    const { clock, coalescer, runs, change } = setup();
    change();
    await flush();
    change();
    await coalescer.stop();
    expect(runs).toEqual([{ at: 0, state: 1 }, { at: 0, state: 2 }]);
    expect(clock.pendingSleepers).toBe(0);
    change();
    await clock.advance(5_000);
    expect(runs).toHaveLength(2);
  });

  it("a run that throws is reported and the next change still runs", async () => {
    const { clock, runs, errors, change, failNext } = setup();
    failNext();
    change();
    await flush();
    expect(errors).toHaveLength(1);
    change();
    await clock.advance(1_000);
    expect(runs).toEqual([{ at: 1_000, state: 2 }]);
  });
});
