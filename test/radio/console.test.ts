// The radio's console text on a serial line: cut into lines, cleaned, counted, and logged at
// a bounded rate.
import { describe, expect, it } from "vitest";
import { ConsoleLog, ConsoleText } from "../../src/radio/console.js";

function lines(chunks: (string | Buffer)[]): { lines: string[]; text: ConsoleText } {
  const out: string[] = [];
  const text = new ConsoleText((line) => out.push(line));
  for (const chunk of chunks) text.push(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
  return { lines: out, text };
}

describe("ConsoleText", () => {
  it("joins lines split across chunks, drops CR, colour codes and blank lines, keeps UTF-8", () => {
    const { lines: out, text } = lines(["\u001b[34mDEBUG\u001b[0m | 12:00:01 [Router] a", "b \u2014 c\r\n\r\n", "INFO | d\n"]);
    expect(out).toEqual(["DEBUG | 12:00:01 [Router] ab \u2014 c", "INFO | d"]);
    expect(text.stats.lines).toBe(2);
  });

  it("a UTF-8 character cut between two chunks comes out whole", () => {
    const dash = Buffer.from("\u2014", "utf8");
    const { lines: out } = lines([Buffer.concat([Buffer.from("x "), dash.subarray(0, 2)]), Buffer.concat([dash.subarray(2), Buffer.from(" y\n")])]);
    expect(out).toEqual(["x \u2014 y"]);
  });

  it("frame bytes torn into the text are logged as a size, never as content", () => {
    const key = Buffer.from("b0609f8f35ee22e7de8217d555e1e256595b080e1b0a6864536ea7397bcc735f", "hex");
    const { lines: out } = lines([Buffer.concat([Buffer.from([0x12, 0x22, 0x0a, 0x20]), key, Buffer.from("\r\n")])]);
    // 0x0A inside the key cuts it into several lines; none of them shows its bytes.
    expect(out.length).toBeGreaterThan(0);
    for (const line of out) expect(line).toMatch(/^\[\d+ bytes that are not text\]$/);
  });

  it("binary noise without a newline is cut into bounded lines instead of growing", () => {
    const { lines: out } = lines([Buffer.alloc(5000, 0x41)]);
    expect(out.length).toBeGreaterThan(0);
    expect(Math.max(...out.map((l) => l.length))).toBeLessThanOrEqual(301);
  });
});

describe("ConsoleLog", () => {
  it("logs up to 30 lines a minute at debug level and then says how many it left out", () => {
    const logged: { obj: Record<string, unknown>; msg: string }[] = [];
    const debug = (obj: object, msg: string): void => void logged.push({ obj: obj as Record<string, unknown>, msg });
    const ignore = (): void => undefined;
    let now = 1_000_000;
    const log = new ConsoleLog({ debug, info: ignore, warn: ignore, error: ignore }, "/dev/ttyUSB0", () => now);
    for (let i = 0; i < 100; i++) log.line(`line ${i}`);
    expect(logged).toHaveLength(30);
    expect(logged[0]).toEqual({ obj: { radio: "/dev/ttyUSB0", console: "line 0" }, msg: "radio console" });
    now += 60_000;
    log.line("next minute");
    expect(logged[30]?.msg).toBe("radio console: 70 more lines not logged");
    expect(logged[31]?.obj.console).toBe("next minute");
  });
});
