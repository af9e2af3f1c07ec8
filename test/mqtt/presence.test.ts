import { describe, expect, it } from "vitest";
import { Presence } from "../../src/mqtt/presence.js";

const state = (state: string, instance?: string): Buffer => Buffer.from(JSON.stringify(instance === undefined ? { state } : { state, instance }));

describe("Presence", () => {
  it("names its instance in online and in the will's offline; a fresh one per start", () => {
    const p = new Presence("abc");
    expect(JSON.parse(p.online())).toEqual({ state: "online", instance: "abc" });
    expect(JSON.parse(p.offline())).toEqual({ state: "offline", instance: "abc" });
    expect(new Presence().instance).toMatch(/^[0-9a-f]{12}$/);
    expect(new Presence().instance).not.toBe(new Presence().instance);
  });

  it("ignores its own messages, unnamed ones and garbage", () => {
    const p = new Presence("me");
    expect(p.observe(state("online", "me"), false)).toEqual({ kind: "ignore" });
    expect(p.observe(state("online"), true)).toEqual({ kind: "ignore" });
    expect(p.observe(Buffer.from("not json"), false)).toEqual({ kind: "ignore" });
    expect(p.observe(Buffer.alloc(0), false)).toEqual({ kind: "ignore" });
  });

  it("another instance's online is a conflict, first only once per instance", () => {
    const p = new Presence("me");
    expect(p.observe(state("online", "other"), true)).toEqual({ kind: "conflict", instance: "other", first: true });
    expect(p.observe(state("online", "other"), false)).toEqual({ kind: "conflict", instance: "other", first: false });
    expect(p.observe(state("online", "third"), false)).toEqual({ kind: "conflict", instance: "third", first: true });
  });

  it("a predecessor's retained will is no news; another instance's live offline is answered with online", () => {
    const p = new Presence("me");
    expect(p.observe(state("offline", "before"), true)).toEqual({ kind: "ignore" });
    expect(p.observe(state("offline", "other"), false)).toEqual({ kind: "reassert", instance: "other" });
  });

  it("never writes offline over another instance's online", () => {
    const p = new Presence("me");
    expect(p.mayWriteOffline()).toBe(true);
    p.observe(state("online", "me"), false);
    expect(p.mayWriteOffline()).toBe(true);
    p.observe(state("online", "other"), false); // the other wrote last
    expect(p.mayWriteOffline()).toBe(false);
    p.observe(state("offline", "other"), false);
    expect(p.mayWriteOffline()).toBe(true);
    p.observe(state("online", "other"), false);
    p.observe(state("online", "me"), false); // we wrote last again
    expect(p.mayWriteOffline()).toBe(true);
  });
});
