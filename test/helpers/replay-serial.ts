// The real 2.7.26 capture (see replay-server.ts) served on a serial line: the radio's end of
// a pty pair, with the simulated serial port's ways (pacing at the baud, console text), so a
// bridge on radio.serial reads what a real radio sent, the way a serial port delivers it.
import { FrameDecoder, encodeFrame } from "../../src/protocol/frames.js";
import { decodeToRadio, encodeFromRadio } from "../../src/protocol/messages.js";
import { SerialLine, type SerialLineOptions } from "../../src/sim/serial-line.js";
import { echo, loadCaptureFrames } from "./replay-server.js";

export interface SerialReplay {
  line: SerialLine;
  /** Nonces of the want_config requests received. */
  wantConfigs: number[];
}

export function serveCaptureOnSerial(path: string, options: SerialLineOptions = {}): SerialReplay {
  const frames = loadCaptureFrames();
  const line = SerialLine.open(path, options);
  const wantConfigs: number[] = [];
  const decoder = new FrameDecoder((payload) => {
    const message = decodeToRadio(payload);
    if (message.payloadVariant.case === "wantConfigId") {
      const nonce = message.payloadVariant.value;
      wantConfigs.push(nonce);
      line.write(Buffer.concat(frames.map((f) => encodeFrame(echo(f, nonce)))));
    } else if (message.payloadVariant.case === "heartbeat") {
      line.write(encodeFrame(encodeFromRadio({ payloadVariant: { case: "queueStatus", value: { free: 16, maxlen: 16 } } })));
    }
  });
  line.on("data", (chunk: Buffer) => decoder.push(chunk));
  return { line, wantConfigs };
}
