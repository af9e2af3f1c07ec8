// The TLS files of mqtt.tls and uplink.tls, checked at start-up: an unreadable or malformed
// file is a config error naming the field (exit 2), not a crash deep inside the MQTT client
// later. And the one translation of such a section into what the MQTT clients take.
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import { ConfigError, type ConfigProblem } from "./errors.js";

export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** A tls section as the MQTT clients take it. Always passed whole: `reject_unauthorized: false` alone must reach an mqtts:// connection. */
export function clientTls(tls: TlsFiles & { reject_unauthorized: boolean }): TlsFiles & { rejectUnauthorized: boolean } {
  return { ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.reject_unauthorized };
}

/** `section`: where the files were named, for the messages ("mqtt.tls", "uplink.tls"). */
export function checkTlsFiles(tls: TlsFiles, section = "mqtt.tls"): void {
  const problems: ConfigProblem[] = [];
  const read = (field: keyof TlsFiles): Buffer | undefined => {
    const file = tls[field];
    if (file === undefined) return undefined;
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push({ field: `${section}.${field}`, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return undefined;
    }
  };
  const ca = read("ca");
  const cert = read("cert");
  const key = read("key");
  try {
    // createSecureContext skips CA entries it cannot parse; parsing the first one ourselves
    // catches a file that holds no certificate at all.
    if (ca) new X509Certificate(ca);
  } catch (err) {
    problems.push({ field: `${section}.ca`, message: `${tls.ca ?? ""} is not a PEM certificate (${(err as Error).message})` });
  }
  try {
    if (cert && key) createSecureContext({ cert, key });
  } catch (err) {
    problems.push({ field: `${section}.cert`, message: `${tls.cert ?? ""} and ${section}.key do not make a usable client certificate (${(err as Error).message})` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
}
