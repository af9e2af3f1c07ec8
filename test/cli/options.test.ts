import { parseArgs } from "node:util";
import { describe, expect, it } from "vitest";
import { optionHelpLines, parseArgsOptions, type CliOptions } from "../../src/cli-options.js";

const TABLE = {
  config: { type: "string", short: "c", value: "FILE", help: "the file" },
  "a-very-long-flag-name": { type: "boolean", help: ["first line", "second line"] },
} as const satisfies CliOptions;

describe("command-line option tables", () => {
  it("give parseArgs the types and short names", () => {
    expect(parseArgsOptions(TABLE)).toEqual({ config: { type: "string", short: "c" }, "a-very-long-flag-name": { type: "boolean" } });
    const { values } = parseArgs({ args: ["-c", "x.yaml", "--a-very-long-flag-name"], options: parseArgsOptions(TABLE) });
    expect(values).toEqual({ config: "x.yaml", "a-very-long-flag-name": true });
  });

  it("give --help one aligned line per option, continuation lines under the text, two spaces after an overlong flag", () => {
    expect(optionHelpLines(TABLE, 20)).toEqual([
      "  -c, --config FILE   the file",
      "  --a-very-long-flag-name  first line",
      "                      second line",
    ]);
  });
});
