import { afterEach, describe, expect, it } from "vitest";
import { SyncScheduler, type SyncReason } from "../../src/sync/scheduler.js";
import { decide, retryDelay, type PlanState } from "../../src/sync/plan.js";
import { SlidingLimit } from "../../src/timing/limit.js";
import { ManualClock, flush } from "../helpers/clock.js";

interface Harness {
  clock: ManualClock;
  scheduler: SyncScheduler<number>;
  runs: SyncReason[];
  /** Resolves the sync that is running now. */
  finish: (ok?: boolean) => Promise<void>;
}

const started: SyncScheduler<number>[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.stop()));
});

function harness(opts: { interval?: number; enabled?: boolean; initialDelay?: number; maxPerMinute?: number; autoFinish?: boolean } = {}): Harness {
  const clock = new ManualClock();
  const runs: SyncReason[] = [];
  let pending: { resolve: (n: number) => void; reject: (e: Error) => void } | null = null;
  const scheduler = new SyncScheduler<number>({
    clock,
    intervalSec: opts.interval ?? 300,
    enabled: opts.enabled ?? true,
    initialDelaySec: opts.initialDelay ?? 0,
    onDemandMaxPerMinute: opts.maxPerMinute ?? 6,
    run: (reason, signal) => {
      runs.push(reason);
      if (opts.autoFinish) return Promise.resolve(runs.length);
      return new Promise<number>((resolve, reject) => {
        pending = { resolve, reject };
        signal.addEventListener("abort", () => reject(new Error("stopped")), { once: true });
      });
    },
  });
  started.push(scheduler);
  scheduler.start();
  const finish = async (ok = true): Promise<void> => {
    const p = pending;
    pending = null;
    if (!p) throw new Error("no sync is running");
    if (ok) p.resolve(runs.length);
    else p.reject(new Error("radio went away"));
    await flush();
  };
  return { clock, scheduler, runs, finish };
}

describe("SyncScheduler", () => {
  it("runs nothing before the radio is ready, then one sync per interval", async () => {
    const h = harness({ autoFinish: true });
    await h.clock.advance(3_600_000);
    expect(h.runs).toEqual([]);
    h.scheduler.setReady(true);
    await flush();
    expect(h.runs).toEqual([]); // the handshake's dump was sync 1
    await h.clock.advance(299_000);
    expect(h.runs).toEqual([]);
    await h.clock.advance(1_000);
    expect(h.runs).toEqual(["periodic"]);
    await h.clock.advance(300_000);
    expect(h.runs).toEqual(["periodic", "periodic"]);
  });

  it("honours initial_delay for the first refresh", async () => {
    const h = harness({ autoFinish: true, initialDelay: 30 });
    h.scheduler.setReady(true);
    await h.clock.advance(30_000);
    expect(h.runs).toEqual(["periodic"]);
  });

  it("disabled: no periodic sync, next_sync null, but force still runs", async () => {
    const h = harness({ autoFinish: true, enabled: false });
    h.scheduler.setReady(true);
    await h.clock.advance(1_000_000);
    expect(h.runs).toEqual([]);
    expect(h.scheduler.nextSyncAt).toBeNull();
    await expect(h.scheduler.force()).resolves.toBe(1);
    expect(h.runs).toEqual(["forced"]);
  });

  it("concurrent forces share the running sync", async () => {
    const h = harness();
    h.scheduler.setReady(true);
    const a = h.scheduler.force();
    const b = h.scheduler.force();
    expect(h.runs).toHaveLength(1);
    await h.finish();
    expect(await a).toBe(1);
    expect(await b).toBe(1);
  });

  it("force is refused while the radio is not ready", async () => {
    const h = harness();
    await expect(h.scheduler.force()).rejects.toThrow(/not connected/);
  });

  it("a shorter interval takes effect from the last sync", async () => {
    const h = harness({ autoFinish: true });
    h.scheduler.setReady(true);
    await h.clock.advance(100_000);
    h.scheduler.setInterval(60);
    await flush();
    expect(h.runs).toEqual(["periodic"]);
    expect(h.scheduler.nextSyncAt).toBe(h.clock.now() + 60_000);
  });

  it("a flood of on-demand requests runs one sync and at most N per minute", async () => {
    const h = harness({ maxPerMinute: 3 });
    h.scheduler.setReady(true);
    for (let i = 0; i < 1000; i++) h.scheduler.requestOnDemand();
    await flush();
    expect(h.runs).toEqual(["on_demand"]);
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 100; i++) h.scheduler.requestOnDemand();
      if (h.scheduler.running) await h.finish();
      await h.clock.advance(1_000);
    }
    // 11 s of flooding: the per-minute window admits 3.
    expect(h.runs).toEqual(["on_demand", "on_demand", "on_demand"]);
    await h.clock.advance(60_000);
    expect(h.runs).toHaveLength(4);
  });

  it("a failed sync is retried with backoff and the loop goes on", async () => {
    const h = harness({ interval: 3600 });
    h.scheduler.setReady(true);
    const forced = h.scheduler.force().catch((err: Error) => err);
    await h.finish(false);
    expect(await forced).toMatchObject({ message: "radio went away" });
    await h.clock.advance(15_000);
    expect(h.runs).toEqual(["forced", "periodic"]);
    await h.finish(false);
    await h.clock.advance(15_000);
    expect(h.runs).toHaveLength(2);
    await h.clock.advance(15_000);
    expect(h.runs).toHaveLength(3);
    await h.finish(true);
    expect(h.scheduler.nextSyncAt).toBe(h.clock.now() + 3_600_000);
  });

  it("stop() leaves no sleeper behind", async () => {
    const h = harness();
    h.scheduler.setReady(true);
    await flush();
    expect(h.clock.pendingSleepers).toBe(1);
    await h.scheduler.stop();
    expect(h.clock.pendingSleepers).toBe(0);
  });
});

describe("plan", () => {
  /** The per-minute on-demand limit of 2 with syncs started at `starts`. */
  const onDemandLimit = (...starts: number[]): SlidingLimit => {
    const limit = new SlidingLimit(2, 60_000);
    for (const t of starts) limit.record(t);
    return limit;
  };
  const base: PlanState = { enabled: true, ready: true, running: false, intervalMs: 1000, nextPeriodicAt: 5000, onDemandPending: false, onDemandLimit: onDemandLimit(), failures: 0 };

  it("waits for the earlier of the periodic time and the on-demand window", () => {
    expect(decide(base, 0)).toEqual({ action: "wait", until: 5000 });
    expect(decide({ ...base, onDemandPending: true, onDemandLimit: onDemandLimit(0, 100) }, 200)).toEqual({ action: "wait", until: 5000 });
    expect(decide({ ...base, onDemandPending: true, onDemandLimit: onDemandLimit(0, 100), nextPeriodicAt: 90_000 }, 200)).toEqual({ action: "wait", until: 60_000 });
    expect(decide({ ...base, running: true }, 10_000)).toEqual({ action: "wait", until: null });
  });

  it("counts only the last minute", () => {
    expect(onDemandLimit(0, 1000).allowedAt(61_000)).toBe(61_000);
    expect(onDemandLimit(0, 1000).allowedAt(30_000)).toBe(60_000);
  });

  it("backs off up to the interval", () => {
    expect(retryDelay(1, 300_000)).toBe(15_000);
    expect(retryDelay(2, 300_000)).toBe(30_000);
    expect(retryDelay(9, 300_000)).toBe(300_000);
  });
});
