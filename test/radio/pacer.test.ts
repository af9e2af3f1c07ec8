// The pacer on an injected clock: the firmware's per-port windows counted from the radio's
// answer, the bridge first and clients in turn, a bounded queue, the window of unanswered packets.
import { afterEach, describe, expect, it } from "vitest";
import { PortNum } from "../../src/protocol/messages.js";
import { BRIDGE_OWNER, NotSent, PACER_DEFAULTS, Pacer, PacketRefused, type PacerOptions } from "../../src/radio/pacer.js";
import { FIRMWARE_SEND_LIMITS_MS, refusedOutright } from "../../src/radio/send-limits.js";
import { ManualClock, flush } from "../helpers/clock.js";

const TEXT = PortNum.TEXT_MESSAGE_APP;
const ADMIN = PortNum.ADMIN_APP;
/** The margin added to every port window. */
const M = PACER_DEFAULTS.marginMs;
const pacers: Pacer[] = [];
afterEach(async () => {
  for (const p of pacers.splice(0)) await p.stop();
});

function rig(options: Partial<PacerOptions> = {}) {
  const clock = new ManualClock(1_000_000);
  const written: string[] = [];
  const pacer = new Pacer({ clock, ...options });
  pacers.push(pacer);
  pacer.start();
  let nextId = 1;
  /** Queues a packet; its write records `name`. Resolves with what submit resolved or rejected with. */
  const send = (owner: string, name: string, port: number | null = TEXT, id = nextId++) => {
    type Outcome = { id: number; waited?: number; err?: Error };
    return pacer.submit(owner, { id, port }, () => written.push(name)).then(
      (waited): Outcome => ({ waited, id }),
      (err: Error): Outcome => ({ err, id }),
    );
  };
  return { clock, pacer, written, send };
}

describe("the pacer", () => {
  it("writes a second text only once the first was answered and the firmware's 2 s window passed", async () => {
    const { clock, pacer, written, send } = rig();
    const first = send(BRIDGE_OWNER, "a");
    const second = send(BRIDGE_OWNER, "b");
    await flush();
    expect(written).toEqual(["a"]);
    expect(await first).toEqual({ waited: 0, id: 1 });
    await clock.advance(500);
    pacer.answered(1); // the radio took it 500 ms later (a slow line)
    await clock.advance(2_000);
    expect(written).toEqual(["a"]);
    await clock.advance(M - 1);
    expect(written).toEqual(["a"]);
    await clock.advance(1); // the margin
    expect(written).toEqual(["a", "b"]);
    expect(await second).toEqual({ waited: 2_500 + M, id: 2 });
  });

  it("counts an unanswered packet as answered after answerTimeoutMs (firmware that sends no queueStatus)", async () => {
    const { clock, written, send } = rig({ answerTimeoutMs: 3_000 });
    void send(BRIDGE_OWNER, "a");
    void send(BRIDGE_OWNER, "b");
    await flush();
    await clock.advance(3_000);
    await clock.advance(2_000 + M - 1);
    expect(written).toEqual(["a"]);
    await clock.advance(1);
    expect(written).toEqual(["a", "b"]);
  });

  it("keeps each limited port to its own window; an unlimited port does not wait behind a text", async () => {
    const { clock, pacer, written, send } = rig();
    void send(BRIDGE_OWNER, "text1", TEXT, 1);
    void send(BRIDGE_OWNER, "text2", TEXT, 2);
    void send(BRIDGE_OWNER, "push", ADMIN, 3);
    void send(BRIDGE_OWNER, "position", PortNum.POSITION_APP, 4);
    await flush();
    expect(written).toEqual(["text1", "push", "position"]);
    for (const id of [1, 3, 4]) pacer.answered(id);
    await clock.advance(FIRMWARE_SEND_LIMITS_MS.get(TEXT)! + M);
    expect(written).toEqual(["text1", "push", "position", "text2"]);
  });

  it("serves the bridge first and the clients in turn: one client's burst does not starve another", async () => {
    const { clock, pacer, written, send } = rig();
    for (let i = 0; i < 4; i++) void send("flood", `flood${i}`, TEXT, 100 + i);
    await flush(); // flood0 goes out at once
    void send("other", "other0", TEXT, 200);
    void send(BRIDGE_OWNER, "bridge0", TEXT, 300);
    void send("other", "other1", TEXT, 201);
    const order = ["flood0"];
    const ids = new Map([["flood0", 100], ["flood1", 101], ["flood2", 102], ["flood3", 103], ["other0", 200], ["other1", 201], ["bridge0", 300]]);
    while (order.length < 7) {
      pacer.answered(ids.get(order[order.length - 1]!)!);
      await clock.advance(2_000 + M);
      order.push(written[written.length - 1]!);
    }
    expect(written).toEqual(["flood0", "bridge0", "flood1", "other0", "flood2", "other1", "flood3"]);
    expect(order).toEqual(written);
  });

  it("releases a packet written with id 0 on an answer it cannot match, never on a repeated answer for one it knows", async () => {
    const { pacer, written, send } = rig({ window: 2 });
    void send("client", "known", 256, 41);
    await flush();
    pacer.answered(41);
    void send("client", "radio-picks-id", 256, 0);
    void send("client", "next", 256, 42);
    await flush();
    expect(written).toEqual(["known", "radio-picks-id"]);
    pacer.answered(41); // the Linux build's second answer for 41: the id-0 packet is still unanswered
    await flush();
    expect(written).toEqual(["known", "radio-picks-id"]);
    pacer.answered(777_000); // the id the radio gave it
    await flush();
    expect(written).toEqual(["known", "radio-picks-id", "next"]);
  });

  it("writes at most `window` unanswered packets, one of them kept for the bridge", async () => {
    const { pacer, written, send } = rig({ window: 3 });
    for (let i = 0; i < 5; i++) void send("client", `c${i}`, 256, 10 + i);
    await flush();
    expect(written).toEqual(["c0", "c1"]);
    void send(BRIDGE_OWNER, "push", ADMIN, 99);
    await flush();
    expect(written).toEqual(["c0", "c1", "push"]);
    pacer.answered(10);
    pacer.answered(99);
    await flush();
    expect(written).toEqual(["c0", "c1", "push", "c2"]);
  });

  it("refuses at once when the client's share or the whole queue is full; nothing of it is written", async () => {
    const { written, send } = rig({ maxPerOwner: 2, maxQueued: 4 });
    void send("a", "a0");
    await flush();
    const kept = [send("a", "a1"), send("a", "a2")];
    const over = await send("a", "a3");
    expect(over.err).toBeInstanceOf(PacketRefused);
    expect(over.err?.message).toMatch(/already has 2 packets waiting/);
    void send("b", "b0");
    void send("b", "b1");
    const full = await send("c", "c0");
    expect(full.err?.message).toMatch(/send queue is full \(4 packets/);
    expect((full.err as PacketRefused).code).toBe(38); // RATE_LIMIT_EXCEEDED
    expect(written).toEqual(["a0"]);
    expect(kept).toHaveLength(2);
  });

  it("drops a client's waiting packets when it leaves, and everything when the link is lost", async () => {
    const { pacer, written, send } = rig();
    void send("a", "a0");
    await flush();
    const left = send("a", "a1");
    const lost = send(BRIDGE_OWNER, "b1");
    expect(pacer.length).toBe(2);
    pacer.dropOwner("a", "the client left");
    expect((await left).err).toBeInstanceOf(NotSent);
    pacer.clear("socket closed");
    const err = (await lost).err;
    expect(err).toBeInstanceOf(NotSent);
    expect(err?.message).toBe("connection lost: socket closed");
    expect(pacer.length).toBe(0);
    expect(written).toEqual(["a0"]);
  });

  it("a write that throws (a closed line) rejects that packet with NotSent and goes on", async () => {
    const clock = new ManualClock();
    const pacer = new Pacer({ clock });
    pacers.push(pacer);
    pacer.start();
    const failed = pacer.submit("a", { id: 1, port: 256 }, () => {
      throw new Error("radio connection is closed");
    });
    await expect(failed).rejects.toBeInstanceOf(NotSent);
    await expect(pacer.submit("a", { id: 2, port: 256 }, () => undefined)).resolves.toBe(0);
  });

  it("reports the queue's length when it changes, never for a packet written at once", async () => {
    const lengths: number[] = [];
    const { clock, pacer, send } = rig({ onLength: (n) => lengths.push(n) });
    void send(BRIDGE_OWNER, "a", TEXT, 1);
    await flush();
    expect(lengths).toEqual([]);
    void send(BRIDGE_OWNER, "b", TEXT, 2);
    void send(BRIDGE_OWNER, "c", TEXT, 3);
    await flush();
    expect(lengths).toEqual([2]);
    pacer.answered(1);
    await clock.advance(2_000 + M);
    expect(lengths).toEqual([2, 1]);
    pacer.clear("gone");
    expect(lengths).toEqual([2, 1, 0]);
  });

  it("knows what the firmware refuses whatever the wait: a multi-hop traceroute to broadcast", () => {
    expect(refusedOutright({ port: PortNum.TRACEROUTE_APP, to: 0xffffffff, hopLimit: 3 })).toMatch(/traceroute to broadcast/);
    expect(refusedOutright({ port: PortNum.TRACEROUTE_APP, to: 0xffffffff, hopLimit: 0 })).toBeNull();
    expect(refusedOutright({ port: PortNum.TRACEROUTE_APP, to: 0x1234, hopLimit: 3 })).toBeNull();
  });
});
