import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log.js";

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("createLogger", () => {
  it("writes JSON lines at or above its level", () => {
    const out = sink();
    const logger = createLogger("info", { format: "json", destination: out.stream });
    logger.debug("hidden");
    logger.info({ node: "!a76f40da" }, "key added");
    const records = out.text().trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ level: 30, msg: "key added", node: "!a76f40da" });
    expect(typeof records[0]?.time).toBe("string");
  });

  it("never writes passwords, secrets or private keys", () => {
    const out = sink();
    const logger = createLogger("info", { format: "json", destination: out.stream });
    logger.info({ config: { mqtt: { password: "hunter2" } }, secret: "s3", node: { private_key: "pk" } }, "config");
    expect(out.text()).not.toMatch(/hunter2|s3|"pk"/);
    expect(out.text()).toContain('"password":"***"');
  });

  it("writes one readable line per record in pretty form", async () => {
    const out = sink();
    const logger = createLogger("debug", { format: "pretty", destination: out.stream });
    logger.debug({ nodes: 3 }, "sync done");
    await tick();
    const lines = out.text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DEBUG.*sync done.*"nodes":3/);
  });

  it("follows LOG_FORMAT when no format is given", async () => {
    const out = sink();
    createLogger("info", { env: { LOG_FORMAT: "pretty" }, destination: out.stream }).info("hello");
    await tick();
    expect(out.text()).toMatch(/INFO.*hello/);
    expect(out.text().startsWith("{")).toBe(false);
  });
});
