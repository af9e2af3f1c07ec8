// The capture replay helper: the real 2.7.26 answer, framed, with the live packet after
// config_complete_id. Also checks that our simulator's handshake has the capture's shape.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { wantConfig } from "../../src/protocol/messages.js";
import { SimRadio } from "../../src/sim/index.js";
import { CAPTURE_FILE, CAPTURE_NONCE, capturePath, startReplayServer, type ReplayServer } from "../helpers/replay-server.js";
import { TestClient, kinds } from "./client.js";

let server: ReplayServer | undefined;
let client: TestClient | undefined;

afterEach(async () => {
  await client?.close();
  client = undefined;
  await server?.stop();
  server = undefined;
});

/** Collapses runs: ["a","a","b"] -> ["a","b"]. */
function shape(list: string[]): string[] {
  return list.filter((k, i) => k !== list[i - 1]);
}

describe("capture replay server", () => {
  it("answers want_config with the 47 captured frames, the live packet after config_complete_id", async () => {
    server = await startReplayServer({ verbatim: true });
    client = await TestClient.connect(server.port);
    client.send(wantConfig(CAPTURE_NONCE));
    await client.waitFrames(47);
    const k = kinds(client.frames);
    expect(k).toHaveLength(47);
    expect(k.slice(0, 4)).toEqual(["myInfo", "deviceuiConfig", "nodeInfo", "metadata"]);
    expect(k.slice(-2)).toEqual(["configCompleteId", "packet"]);
    expect(await client.waitComplete(CAPTURE_NONCE)).toBe(45);
    expect(server.wantConfigs).toEqual([CAPTURE_NONCE]);
  });

  it("echoes the client's nonce in config_complete_id by default", async () => {
    server = await startReplayServer();
    client = await TestClient.connect(server.port);
    client.send(wantConfig(77));
    expect(await client.waitComplete(77)).toBe(45);
  });

  it("uses the fixture copy, identical to the shared original when that is present", () => {
    expect(capturePath()).toContain(path.join("test", "fixtures", "real-radio"));
    const shared = path.resolve(process.cwd(), "../shared/data/real-radio", CAPTURE_FILE);
    if (existsSync(shared)) expect(readFileSync(capturePath(), "utf8")).toBe(readFileSync(shared, "utf8"));
  });

  it("has the same section order as the simulator's full handshake", async () => {
    server = await startReplayServer();
    client = await TestClient.connect(server.port);
    client.send(wantConfig(5));
    await client.waitComplete(5);
    const real = shape(kinds(client.frames).slice(0, 46));
    const radio = new SimRadio({ port: 0, nodes: 0 });
    const { port } = await radio.start();
    const simClient = await TestClient.connect(port);
    try {
      simClient.send(wantConfig(5));
      const done = await simClient.waitComplete(5);
      expect(shape(kinds(simClient.frames.slice(0, done + 1)))).toEqual(real);
    } finally {
      await simClient.close();
      await radio.stop();
    }
  });
});
