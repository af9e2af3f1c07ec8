// A serial radio going away and coming back, and the reasons a user can act on: a missing
// device, a port another program holds, a radio whose serial API is off.
import { afterEach, describe, expect, it } from "vitest";
import type { NodeDbDump, RadioStatus } from "../../src/radio/link.js";
import { MeshtasticRadio } from "../../src/radio/meshtastic.js";
import { serialEndpoint } from "../../src/radio/serial.js";
import { nextEvent } from "../helpers/events.js";
import { serialRig, type SerialRig } from "../helpers/serial-rig.js";

let rig: SerialRig | null = null;
const extra: (() => Promise<void>)[] = [];
afterEach(async (ctx) => {
  if (ctx.task.result?.state === "fail" && rig) console.log(rig.trace.join("\n"));
  for (const stop of extra.splice(0)) await stop();
  await rig?.stop();
  rig = null;
});

const CEILING = 30_000;

function handshake(radio: MeshtasticRadio): Promise<NodeDbDump> {
  return nextEvent<NodeDbDump>(radio, "dump", (d) => d.kind === "handshake", CEILING);
}

function disconnected(radio: MeshtasticRadio, reason: RegExp): Promise<RadioStatus> {
  return nextEvent<RadioStatus>(radio, "status", (s) => s.state === "disconnected" && reason.test(s.reason), CEILING);
}

describe("unplug and replug", () => {
  it("unplugged: disconnected with the reason; plugged back in: reconnects by itself with a new handshake", async () => {
    rig = await serialRig({ sim: { nodes: 15 } });
    const first = handshake(rig.radio);
    rig.radio.start();
    await first;
    const gone = disconnected(rig.radio, /went away \(unplugged/);
    await rig.pair.unplug();
    expect(await gone).toMatchObject({ reason: expect.stringContaining(rig.pair.bridge) as unknown });
    // While it is away, the reason says the device is missing.
    await disconnected(rig.radio, /no serial device at .*: is the radio plugged in\?/);
    const back = handshake(rig.radio);
    await rig.pair.replug();
    rig.serve();
    expect((await back).nodes).toHaveLength(15);
    expect(rig.radio.status.state).toBe("connected");
  });

  it("unplugged in the middle of a dump: that sync fails, the link notices and comes back", async () => {
    rig = await serialRig({ sim: { nodes: 250 } });
    const first = handshake(rig.radio);
    rig.radio.start();
    await first;
    const gone = disconnected(rig.radio, /went away/);
    rig.sim.once("dumpStart", () => void rig!.pair.unplug());
    await expect(rig.radio.requestNodeDb()).rejects.toThrow(/connection lost during the NodeDB download/);
    await gone;
    const back = handshake(rig.radio);
    await rig.pair.replug();
    rig.serve();
    expect((await back).nodes).toHaveLength(250);
  });

  it("drops right after each handshake are no 'slot taken': a serial port has no other client", async () => {
    rig = await serialRig({ sim: { nodes: 5 } });
    const taken: unknown[] = [];
    rig.radio.on("slotTaken", (t) => taken.push(t));
    let next = handshake(rig.radio);
    rig.radio.start();
    for (let i = 0; i < 4; i++) {
      await next;
      const gone = disconnected(rig.radio, /went away/);
      await rig.pair.unplug();
      await gone;
      next = handshake(rig.radio);
      await rig.pair.replug();
      rig.serve();
    }
    await next;
    expect(taken).toEqual([]);
  });
});

describe("reasons a user can act on", () => {
  it("a device that is not there", async () => {
    const radio = new MeshtasticRadio({ endpoint: serialEndpoint({ path: "/dev/serial/by-id/usb-nothing-here-if00", baud: 115200 }), backoffMinMs: 60_000 });
    extra.push(() => radio.stop());
    const status = nextEvent<RadioStatus>(radio, "status", (s) => s.state === "disconnected" && s.reason !== "not started", CEILING);
    radio.start();
    expect(await status).toEqual({
      state: "disconnected",
      reason: "no serial device at /dev/serial/by-id/usb-nothing-here-if00: is the radio plugged in? (ls -l /dev/serial/by-id/ lists the USB serial devices; that path stays the same across reboots)",
    });
  });

  it("a port another program holds", async () => {
    rig = await serialRig({ sim: { nodes: 5 } });
    const first = handshake(rig.radio);
    rig.radio.start();
    await first;
    const second = rig.newRadio({ backoffMinMs: 60_000 });
    const busy = disconnected(second, /in use by another program/);
    second.start();
    expect((await busy).state).toBe("disconnected");
    expect(rig.radio.status.state).toBe("connected");
    expect(rig.sim.stats.dumps.full).toBe(1);
  });

  it("a radio whose serial API is off: console text, no answer, and a reason naming serial_enabled", async () => {
    rig = await serialRig({ sim: { nodes: 5 }, line: { api: false, consoleEveryMs: 100 }, radio: { dumpIdleTimeoutMs: 1_500, backoffMinMs: 60_000 } });
    const status = disconnected(rig.radio, /no answer/);
    rig.radio.start();
    const { reason } = (await status) as { reason: string };
    expect(reason).toMatch(/^no answer to want_config \(nonce \d+\) within 1\.5 s: .* sent \d+ lines of console text but no frame; is the radio's serial API on \(security\.serial_enabled/);
    expect(rig.sim.stats.dumps.full).toBe(0);
  });
});
