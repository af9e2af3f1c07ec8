import { describe, expect, it } from "vitest";
import { RetainedLedger } from "../../src/mqtt/retained.js";

describe("RetainedLedger", () => {
  it("sends a payload once per connection and again after a change", () => {
    const l = new RetainedLedger();
    l.connected();
    expect(l.offer("t", "a", true)).toBe("send");
    expect(l.offer("t", "a", true)).toBe("skip");
    expect(l.offer("t", "b", true)).toBe("send");
    expect(l.offer("t", "a", true)).toBe("send");
  });

  it("forgets what was sent on reconnect, so everything is re-sent", () => {
    const l = new RetainedLedger();
    expect(l.offer("t", "a", true)).toBe("send");
    expect(l.connected()).toEqual([]);
    expect(l.offer("t", "a", true)).toBe("send");
  });

  it("keeps only the latest payload per topic while offline and hands it over on connect", () => {
    const l = new RetainedLedger();
    expect(l.offer("t", "1", false)).toBe("queue");
    expect(l.offer("t", "2", false)).toBe("queue");
    expect(l.offer("u", "x", false)).toBe("queue");
    expect(l.connected()).toEqual([
      ["t", "2"],
      ["u", "x"],
    ]);
    // Flushed payloads count as sent on the new connection.
    expect(l.offer("t", "2", true)).toBe("skip");
    expect(l.connected()).toEqual([]);
  });

  it("remembers our own publications", () => {
    const l = new RetainedLedger();
    l.noteOwn("e", "{}");
    l.offer("t", "a", true);
    expect(l.isOwn("e", "{}")).toBe(true);
    expect(l.isOwn("t", "a")).toBe(true);
    expect(l.isOwn("t", "b")).toBe(false);
  });
});
