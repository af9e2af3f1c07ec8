// The `uplink` section: defaults, PSK checks naming the field, the environment mapping
// (a mapping option given as JSON), redaction of the login and the channel keys.
import { describe, expect, it } from "vitest";
import { redactConfig } from "../../src/config/load.js";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { loadIn, loadProblems } from "./helpers.js";

const FILE = "radio:\n  host: r\n";

const load = loadIn;

const problems = loadProblems;

describe("uplink config", () => {
  it("is off by default, with msh/#, no extra channels, 600 a minute and trust claim", () => {
    expect(load(FILE).config.uplink).toEqual({ enabled: false, tls: { reject_unauthorized: true }, topics: ["msh/#"], channels: {}, max_per_minute: 600, trust: "claim" });
  });

  it("takes channels with 1-, 16- and 32-byte PSKs and an empty one", () => {
    const psk16 = Buffer.alloc(16, 7).toString("base64");
    const psk32 = Buffer.alloc(32, 9).toString("base64");
    const yaml = `${FILE}uplink:\n  enabled: true\n  server: mqtt://mesh.example:1883\n  channels:\n    Friends: "${psk16}"\n    Big: "${psk32}"\n    Alt: "Ag=="\n    Open: ""\n`;
    expect(load(yaml).config.uplink.channels).toEqual({ Friends: psk16, Big: psk32, Alt: "Ag==", Open: "" });
  });

  it("names the channel whose PSK has a wrong length or is not base64", () => {
    const bad = Buffer.alloc(5).toString("base64");
    expect(problems(`${FILE}uplink:\n  channels:\n    Friends: "${bad}"\n    Other: "not base64!"\n`)).toEqual([
      'uplink.channels.Friends: "AAAAAAA=" is 5 bytes; a channel PSK has 0, 1, 16 or 32 bytes (config.yaml line 5)',
      'uplink.channels.Other: "not base64!" is not base64 (a channel PSK as the Meshtastic apps show it, e.g. AQ==) (config.yaml line 6)',
    ]);
  });

  it("requires a server when enabled, and a broker URL", () => {
    expect(problems(`${FILE}uplink:\n  enabled: true\n`)).toEqual(["uplink.server: is required with uplink.enabled: the broker the mesh's radios uplink to (config.yaml line 3)"]);
    expect(problems(`${FILE}uplink:\n  server: http://x\n`)[0]).toMatch(/^uplink.server: "http:\/\/x" is not a broker URL/);
    expect(problems(`${FILE}uplink:\n  trust: blind\n`)[0]).toMatch(/^uplink.trust: /);
    expect(problems(`${FILE}uplink:\n  topics: ["msh/#/e", "msh/a+"]\n`)).toEqual([
      'uplink.topics[0]: "msh/#/e" is not a topic filter: "#" must be a whole level, and the last (config.yaml line 4)',
      'uplink.topics[1]: "msh/a+" is not a topic filter: "+" must be a whole level (config.yaml line 4)',
    ]);
  });

  it("maps every option to a MESHTASTIC_KEYSYNC_UPLINK_* variable, channels as JSON", () => {
    const envs = CONFIG_OPTIONS.filter((o) => o.path.startsWith("uplink.")).map((o) => o.env);
    expect(envs).toContain("MESHTASTIC_KEYSYNC_UPLINK_CHANNELS");
    expect(envs).toContain("MESHTASTIC_KEYSYNC_UPLINK_TLS_CA");
    const { config } = load(FILE, {
      MESHTASTIC_KEYSYNC_UPLINK_ENABLED: "true",
      MESHTASTIC_KEYSYNC_UPLINK_SERVER: "mqtts://u:p@mesh.example:8883",
      MESHTASTIC_KEYSYNC_UPLINK_CHANNELS: '{"Friends": "AQ=="}',
      MESHTASTIC_KEYSYNC_UPLINK_TOPICS: '["msh/EU_868/#"]',
      MESHTASTIC_KEYSYNC_UPLINK_MAX_PER_MINUTE: "1200",
      MESHTASTIC_KEYSYNC_UPLINK_TRUST: "confirmed",
    });
    expect(config.uplink).toMatchObject({ enabled: true, channels: { Friends: "AQ==" }, topics: ["msh/EU_868/#"], max_per_minute: 1200, trust: "confirmed" });
    expect(problems(FILE, { MESHTASTIC_KEYSYNC_UPLINK_CHANNELS: "{Friends" })[0]).toMatch(/^MESHTASTIC_KEYSYNC_UPLINK_CHANNELS: .* is not valid JSON .*\{"Friends": "AQ=="\}/);
  });

  it("never shows the uplink password, the password in its URL or a channel key", () => {
    const { config } = load(`${FILE}uplink:\n  server: mqtt://u:hunter2@mesh.example:1883\n  password: swordfish\n  channels:\n    Friends: "${Buffer.alloc(16, 1).toString("base64")}"\n`);
    const shown = JSON.stringify(redactConfig(config));
    expect(shown).not.toMatch(/hunter2|swordfish|AQEBAQEB/);
    expect(redactConfig(config).uplink.channels).toEqual({ Friends: "***" });
  });
});
