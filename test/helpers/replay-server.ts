// A tiny TCP server that answers want_config with the real 2.7.26 capture (47 frames:
// my_info ... config_complete_id, then one live telemetry packet), for testing clients
// against what a real radio sent rather than against our own simulator.
// The capture is MPL-2.0 test data; attribution in test/fixtures/real-radio/README.md.
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { FrameDecoder, encodeFrame } from "../../src/protocol/frames.js";
import { decodeFromRadio, decodeToRadio, encodeFromRadio } from "../../src/protocol/messages.js";

export const CAPTURE_FILE = "heltec-v4-2.7.26-want-config.json";
/** The nonce the capture was recorded with (0x11223344). */
export const CAPTURE_NONCE = 0x11223344;

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** The fixture copy in test/fixtures, else the shared original beside the repository. */
export function capturePath(): string {
  const copy = path.resolve(repoRoot, "test/fixtures/real-radio", CAPTURE_FILE);
  return existsSync(copy) ? copy : path.resolve(repoRoot, "../shared/data/real-radio", CAPTURE_FILE);
}

/** The 47 FromRadio payloads, in the order the radio sent them. */
export function loadCaptureFrames(): Uint8Array[] {
  const capture = JSON.parse(readFileSync(capturePath(), "utf8")) as { frames: string[] };
  return capture.frames.map((h) => Uint8Array.from(Buffer.from(h, "hex")));
}

export interface ReplayServer {
  port: number;
  /** Nonces of the want_config requests received. */
  wantConfigs: number[];
  stop(): Promise<void>;
}

export interface ReplayOptions {
  /** Keep the captured config_complete_id (0x11223344) instead of echoing the client's nonce. */
  verbatim?: boolean;
}

export async function startReplayServer(options: ReplayOptions = {}): Promise<ReplayServer> {
  const frames = loadCaptureFrames();
  const sockets = new Set<Socket>();
  const wantConfigs: number[] = [];
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const decoder = new FrameDecoder((payload) => {
      const message = decodeToRadio(payload);
      if (message.payloadVariant.case === "wantConfigId") {
        const nonce = message.payloadVariant.value;
        wantConfigs.push(nonce);
        socket.write(Buffer.concat(frames.map((f) => encodeFrame(options.verbatim ? f : echo(f, nonce)))));
      } else if (message.payloadVariant.case === "heartbeat") {
        socket.write(encodeFrame(encodeFromRadio({ payloadVariant: { case: "queueStatus", value: { free: 16, maxlen: 16 } } })));
      }
    });
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    wantConfigs,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The config_complete_id frame re-encoded with the client's nonce; other frames unchanged. */
export function echo(frame: Uint8Array, nonce: number): Uint8Array {
  const message = decodeFromRadio(frame);
  if (message.payloadVariant.case !== "configCompleteId") return frame;
  return encodeFromRadio({ payloadVariant: { case: "configCompleteId", value: nonce } });
}
