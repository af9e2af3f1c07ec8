import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { checkTlsFiles } from "../../src/config/tls.js";

function fields(files: Parameters<typeof checkTlsFiles>[0]): string[] {
  try {
    checkTlsFiles(files);
    return [];
  } catch (err) {
    return (err as ConfigError).problems.map((p) => p.field);
  }
}

describe("mqtt.tls files", () => {
  const dir = mkdtempSync(join(tmpdir(), "keysync-tls-"));
  const junk = join(dir, "junk.pem");
  writeFileSync(junk, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");

  it("names the field of an unreadable file", () => {
    expect(fields({ ca: join(dir, "missing.pem") })).toEqual(["mqtt.tls.ca"]);
  });

  it("names the field of a malformed certificate", () => {
    expect(fields({ ca: junk })).toEqual(["mqtt.tls.ca"]);
    expect(fields({ cert: junk, key: junk })).toEqual(["mqtt.tls.cert"]);
  });

  it("accepts no TLS files at all", () => {
    expect(fields({})).toEqual([]);
  });
});
