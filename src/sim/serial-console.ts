// What a radio's serial console prints as plain text: the boot log, then debug lines. Some
// hold "—" (UTF-8 E2 80 94): a lone 0x94, the first magic byte of a frame, in the middle of
// text. Lines end in CR LF like the firmware's.
import type { Prng } from "./prng.js";

const BOOT = [
  "",
  "//\\ E S H T /\\ S T / C",
  "",
  "DEBUG | ??:??:?? 0 Filesystem files:",
  "INFO  | ??:??:?? 0 S:B:48,2.7.26.sim,heltec-v3,meshtastic/firmware",
  "DEBUG | ??:??:?? 0 Power up \u2014 reset reason: power on",
  "INFO  | ??:??:?? 1 Loaded /prefs/nodes.proto: NodeDB restored",
  "INFO  | ??:??:?? 1 PKI keys \u2014 loaded from flash",
  "INFO  | ??:??:?? 2 Start meshradio init",
  "INFO  | ??:??:?? 2 SX126x init result 0",
];

const DEBUG = [
  "DEBUG | {t} {u} [Router] Rx packet from=0x{n} \u2014 decoded ok",
  "DEBUG | {t} {u} [RadioIf] Lora RX (id=0x{n} fr=0x{n} to=0xffffffff, HopLim=3 Ch=0x8 len=38 rssi=-97 snr=6.2)",
  "INFO  | {t} {u} [Router] Received position from=0x{n}, id=0x{n}, portnum=3",
  "DEBUG | {t} {u} [PowerTelemetry] Battery 4.12 V \u2014 97%",
  "DEBUG | {t} {u} [NodeInfo] Update changed=0 user Tr\u00e9s Loin \u2014 \u00c3lpha/TL",
  "DEBUG | {t} {u} [Router] Lost packet, no free slot",
  "INFO  | {t} {u} [DeviceTelemetry] Send: air_util_tx=0.53, channel_utilization=4.17",
];

export function bootText(): string {
  return BOOT.map((line) => `${line}\r\n`).join("");
}

/** One debug line, with node numbers and the uptime filled in. */
export function debugLine(prng: Prng, uptimeSec: number): string {
  const template = prng.pick(DEBUG);
  const clock = new Date(uptimeSec * 1000).toISOString().slice(11, 19);
  const text = template
    .replaceAll("{t}", clock)
    .replaceAll("{u}", String(uptimeSec))
    .replace(/\{n\}/g, () => prng.nextU32().toString(16).padStart(8, "0"));
  return `${text}\r\n`;
}
