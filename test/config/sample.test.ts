// config.yaml.sample must document every option with its true default and variable, and
// must load as it is (with radio.host set) into exactly the defaults.
import { copyFileSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../../src/config/load.js";
import { CONFIG_OPTIONS } from "../../src/config/options.js";
import { workDir } from "./helpers.js";

const SAMPLE = path.resolve(import.meta.dirname, "../../config.yaml.sample");
const lines = readFileSync(SAMPLE, "utf8").split("\n");

describe("config.yaml.sample", () => {
  it("loads, with radio.host set, into the defaults and without warnings", () => {
    const cwd = workDir();
    copyFileSync(SAMPLE, path.join(cwd, "config.yaml"));
    const env = { MESHTASTIC_KEYSYNC_RADIO_HOST: "192.168.1.38" };
    const fromSample = loadConfig({ env, cwd });
    const fromNothing = loadConfig({ env, cwd: workDir("{}\n") });
    expect(fromSample.source).toBe("file");
    expect(fromSample.warnings).toEqual([]);
    const withoutId = (c: typeof fromSample.config) => ({ ...c, mqtt: { ...c.mqtt, client_id: "" } });
    expect(withoutId(fromSample.config)).toEqual(withoutId(fromNothing.config));
  });

  for (const option of CONFIG_OPTIONS) {
    it(`documents ${option.path} with its default and ${option.env}`, () => {
      const key = option.path.split(".").at(-1) as string;
      const line = lines.find((l) => new RegExp(`#\\s*${option.env}$`).test(l.trimEnd()));
      expect(line, `no line ends with "# ${option.env}"`).toBeDefined();
      const match = new RegExp(`^\\s*(#\\s*)?${key}: (.*?)\\s+#\\s*${option.env}$`).exec((line as string).trimEnd());
      expect(match, `line for ${option.path}: ${line}`).not.toBeNull();
      const [, commented, value] = match as RegExpExecArray;
      if (option.default === undefined) {
        // Options without a default are shown commented out, with an example value.
        expect(commented).toBeDefined();
      } else {
        expect(commented).toBeUndefined();
        expect(parse(value as string)).toEqual(option.default);
      }
      // Indentation mirrors the path: two spaces per level.
      expect(/^\s*/.exec(line as string)?.[0].length).toBe(2 * (option.path.split(".").length - 1));
    });
  }
});
