// NodeDbRefill over a scripted pusher (each fill waits until the test answers it) and a map
// of records: the order, the one limit, and the two ways it ends early (the nodes shown back
// by a dump, the bridge stopping).
import { describe, expect, it } from "vitest";
import type { KeyRecord } from "../../src/directory/record.js";
import type { RadioStatus } from "../../src/radio/link.js";
import { NodeDbRefill } from "../../src/sync/refill.js";
import { flush } from "../helpers/clock.js";
import { key, record } from "../directory/util.js";

function setup(nums: number[], limit = Infinity) {
  const records = new Map<number, KeyRecord>(nums.map((n, i) => [n, record(n, key(n), { inRadio: false, radioKey: null, lastSeen: 1000 - i })]));
  const asked: number[] = [];
  let answer: ((refused: string | null) => void) | null = null;
  const pusher = {
    enabled: true,
    get atLimit() {
      return asked.length >= limit;
    },
    fill: (num: number) => {
      asked.push(num);
      if (asked.length > limit) return Promise.resolve("refused: more than N pushes per hour (push.max_per_hour)");
      return new Promise<string | null>((resolve) => (answer = resolve));
    },
  };
  const directory = { get: (num: number) => records.get(num), snapshot: () => [...records.values()] };
  const radio = { status: { state: "connected" } as RadioStatus, info: { link: "t", myNodeNum: 1, firmware: "2.7.26.sim" } };
  const logs: string[] = [];
  const log = { debug: () => undefined, info: (_: object, m: string) => void logs.push(m), warn: (_: object, m: string) => void logs.push(m), error: () => undefined };
  const refill = new NodeDbRefill({ pusher, directory, radio, watch: new Set([40]), log });
  /** Answers the fill under way, then lets the refill go on to the next. */
  const reply = async (refused: string | null = null) => {
    await flush();
    answer?.(refused);
    answer = null;
    await flush();
  };
  const shownBack = (...back: number[]) => back.forEach((n) => records.set(n, { ...records.get(n)!, inRadio: true }));
  return { refill, asked, reply, shownBack, logs, pusher };
}

describe("NodeDbRefill", () => {
  it("fills watched first, then by last heard; a refused node is skipped; done when all were tried", async () => {
    const { refill, asked, reply, logs } = setup([10, 20, 30, 40]);
    expect(refill.begin()).toBe(true);
    for (let i = 0; i < 4; i++) await reply(i === 1 ? "the key of !00000010 changed" : null);
    await refill.running;
    expect(asked).toEqual([40, 10, 20, 30]);
    expect(logs.at(-1)).toBe("refill of the radio's NodeDB done: 3 keys put back");
  });

  it("stops where push.max_per_hour refuses, saying how many are left", async () => {
    const { refill, asked, reply, logs } = setup([10, 20, 30, 40, 50], 2);
    refill.begin();
    await reply();
    await reply();
    await refill.running;
    expect(asked).toEqual([40, 10, 20]);
    expect(logs.at(-1)).toMatch(/stopped \(push\.max_per_hour reached\): 2 keys put back, 3 left/);
  });

  it("a dump showing the nodes back skips them, and ends the refill once none is missing", async () => {
    const { refill, asked, reply, shownBack, logs } = setup([10, 20, 30, 40]);
    refill.begin();
    await reply();
    shownBack(20); // heard again: the radio has it without us
    refill.listed();
    await reply();
    expect(asked).toEqual([40, 10, 30]);
    shownBack(40, 10, 30);
    refill.listed();
    await reply();
    await refill.running;
    expect(asked).toEqual([40, 10, 30]);
    expect(logs).toContain("the radio's NodeDB holds the refilled nodes again: refill ended");
  });

  it("stop() ends it: nothing is asked after the fill under way", async () => {
    const { refill, asked, reply } = setup([10, 20, 30]);
    refill.begin();
    await flush();
    const stopped = refill.stop();
    await reply();
    await stopped;
    expect(asked).toEqual([10]);
    expect(refill.running).toBeNull();
  });

  it("push off or nothing to put back: no refill", () => {
    const off = setup([10]);
    off.pusher.enabled = false;
    expect(off.refill.begin()).toBe(false);
    expect(setup([]).refill.begin()).toBe(false);
  });
});
