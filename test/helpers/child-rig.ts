// The parts a test of the real CLI in a child process runs against: an external broker (it
// outlives the child, so what the child left retained can be read after it exits), the
// simulated radio and a temporary folder. Registers its own beforeAll/afterAll.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { EmbeddedBroker } from "../../src/mqtt/broker.js";
import { SimRadio } from "../../src/sim/index.js";
import { assertBuilt } from "../cli/run.js";

export interface ChildRig {
  broker: EmbeddedBroker;
  sim: SimRadio;
  dir: string;
}

/** The rig, filled in by beforeAll; `prefix` names the temporary folder. */
export function useChildRig(prefix: string, nodes = 20): ChildRig {
  const rig = {} as ChildRig;
  beforeAll(async () => {
    assertBuilt();
    rig.broker = new EmbeddedBroker({ host: "127.0.0.1", port: 0 });
    await rig.broker.start();
    rig.sim = new SimRadio({ port: 0, nodes });
    await rig.sim.start();
    rig.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await rig.sim?.stop();
    await rig.broker?.stop();
    if (rig.dir) rmSync(rig.dir, { recursive: true, force: true });
  });
  return rig;
}
