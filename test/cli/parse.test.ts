import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli.js";

describe("parseCommandLine", () => {
  it.each([
    [[], { kind: "run", config: undefined }],
    [["--config", "a.yaml"], { kind: "run", config: "a.yaml" }],
    [["-c", "a.yaml"], { kind: "run", config: "a.yaml" }],
    [["--config=a.yaml"], { kind: "run", config: "a.yaml" }],
    [["--help"], { kind: "help" }],
    [["-h"], { kind: "help" }],
    [["--version"], { kind: "version" }],
    [["-V"], { kind: "version" }],
    [["simulate", "--port", "0", "--help"], { kind: "simulate", args: ["--port", "0", "--help"] }],
    [["--bogus"], { kind: "usage", message: "unknown option --bogus" }],
    [["--config"], { kind: "usage", message: "--config needs a file name" }],
    [["--config="], { kind: "usage", message: "--config= needs a file name" }],
    [["-c", "a", "-c", "b"], { kind: "usage", message: "--config given twice" }],
    [["serve"], { kind: "usage", message: "unknown command serve" }],
    [["--config", "a", "simulate"], { kind: "usage", message: "unknown command simulate (simulate must come first)" }],
  ])("%j", (argv, expected) => {
    expect(parseCommandLine(argv)).toEqual(expected);
  });
});
