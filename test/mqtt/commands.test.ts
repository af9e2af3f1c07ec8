import { describe, expect, it } from "vitest";
import { COMMANDS, handleRequest, RequestError, SEND_TEXT_MAX_BYTES } from "../../src/mqtt/commands.js";
import { MAX_JSON_DEPTH, MAX_PAYLOAD_BYTES } from "../../src/mqtt/payload.js";
import { fakeHandlers, sampleStats } from "./fakes.js";

const req = (command: string, payload: string | Buffer = "", handlers = fakeHandlers()) =>
  handleRequest(command, typeof payload === "string" ? Buffer.from(payload) : payload, handlers);

describe("handleRequest envelope", () => {
  it("answers ok with data and echoes the transaction", async () => {
    const h = fakeHandlers();
    const res = await req("sync", '{"transaction":"t-1"}', h);
    expect(res).toEqual({
      status: "ok",
      data: { checked: 3, added: 1, updated: 0, duration_ms: 12 },
      transaction: "t-1",
    });
    expect(h.calls).toEqual([["sync"]]);
  });

  it("omits transaction when none was given", async () => {
    const res = await req("stats");
    expect(res).toEqual({ status: "ok", data: sampleStats() });
    expect("transaction" in res).toBe(false);
  });

  it("echoes the transaction on a failed request that was readable", async () => {
    const h = fakeHandlers();
    const res = await req("interval", '{"value": 5, "transaction": 7}', h);
    expect(res).toMatchObject({ status: "error", data: {}, transaction: 7 });
    expect(h.calls).toEqual([]);
  });

  it("answers unknown commands with an error naming the known ones", async () => {
    const res = await req("explode", "{}");
    expect(res.status).toBe("error");
    if (res.status === "error") expect(res.error).toContain("unknown command");
    // Object.prototype names are not commands either.
    expect((await req("constructor")).status).toBe("error");
    expect((await req("__proto__")).status).toBe("error");
  });

  it("turns a handler's thrown error into an error response and reports non-RequestErrors", async () => {
    const seen: unknown[] = [];
    const h = fakeHandlers({
      sync: () => Promise.reject(new Error("radio not connected")),
    });
    const res = await handleRequest("sync", Buffer.from(""), h, { onError: (e) => seen.push(e) });
    expect(res).toEqual({ status: "error", error: "radio not connected", data: {} });
    expect(seen).toHaveLength(1);
  });

  it("survives handlers that throw non-Errors, synchronously", async () => {
    const h = fakeHandlers({
      stats: () => {
        throw "boom"; // eslint-disable-line @typescript-eslint/only-throw-error
      },
    });
    expect(await req("stats", "", h)).toEqual({ status: "error", error: "boom", data: {} });
  });

  it("lists the contract's commands", () => {
    expect([...COMMANDS].sort()).toEqual(
      ["accept_key", "enabled", "forget", "interval", "node", "push", "reject_key", "send", "stats", "sync"].sort(),
    );
  });
});

describe("payload limits", () => {
  it("refuses payloads over 64 KiB before parsing", async () => {
    const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
    const res = await req("sync", big);
    expect(res.status).toBe("error");
    if (res.status === "error") expect(res.error).toMatch(/at most 65536/);
  });

  it("refuses invalid UTF-8", async () => {
    const res = await req("node", Buffer.from([0x22, 0xff, 0xfe, 0x22]));
    expect(res).toMatchObject({ status: "error", error: "payload is not valid UTF-8" });
  });

  it("refuses deeply nested JSON without touching the stack", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    expect(await req("sync", deep)).toMatchObject({ status: "error" });
    const ok = "[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH);
    expect(await req("sync", ok)).toMatchObject({ status: "ok" });
  });

  it("does not count brackets inside strings as nesting", async () => {
    const text = JSON.stringify({ to: "!a76f40da", text: "[[[[[[[[[[[[[[[[[[[[{{{{{{{{{{" });
    expect(await req("send", text)).toMatchObject({ status: "ok" });
  });

  it("refuses broken JSON and a non-scalar transaction", async () => {
    expect(await req("interval", '{"value": 600')).toMatchObject({ status: "error", error: "payload is not valid JSON" });
    expect(await req("sync", '{"transaction": {"a": 1}}')).toMatchObject({ status: "error" });
  });
});

describe("sync", () => {
  it.each(["", "{}", "PRESS", "anything", "null", "[1,2]"])("accepts %j", async (payload) => {
    const h = fakeHandlers();
    expect(await req("sync", payload, h)).toMatchObject({ status: "ok" });
    expect(h.calls).toEqual([["sync"]]);
  });
});

describe("interval", () => {
  it.each([
    ["600", 600],
    ['{"value":600}', 600],
    ['"600"', 600],
    ['{"value":"30"}', 30],
    ["86400", 86400],
  ])("accepts %s", async (payload, seconds) => {
    const h = fakeHandlers();
    expect(await req("interval", payload, h)).toEqual({ status: "ok", data: { value: seconds } });
    expect(h.calls).toEqual([["setInterval", seconds]]);
  });

  it.each(["abc", "-5", "1000000000", "1.5", "29", "86401", "", "true", '{"value":null}', "{}", "[600]"])(
    "rejects %j with what is allowed, changing nothing",
    async (payload) => {
      const h = fakeHandlers();
      const res = await req("interval", payload, h);
      expect(res.status).toBe("error");
      if (res.status === "error") expect(res.error).toMatch(/whole number of seconds from 30 to 86400/);
      expect(h.calls).toEqual([]);
    },
  );
});

describe("enabled", () => {
  it.each([
    ["true", true],
    ["false", false],
    ['"true"', true],
    ["ON", true],
    ["OFF", false],
    ["on", true],
    ['{"value": false}', false],
    ['{"value": "ON", "transaction": "x"}', true],
  ])("accepts %s", async (payload, on) => {
    const h = fakeHandlers();
    expect(await req("enabled", payload, h)).toMatchObject({ status: "ok", data: { value: on } });
    expect(h.calls).toEqual([["setEnabled", on]]);
  });

  it.each(["1", "yes", "", "{}", "null"])("rejects %j", async (payload) => {
    const h = fakeHandlers();
    const res = await req("enabled", payload, h);
    expect(res).toMatchObject({ status: "error" });
    if (res.status === "error") expect(res.error).toContain('"ON" or "OFF"');
    expect(h.calls).toEqual([]);
  });
});

describe("node, accept_key, reject_key, forget", () => {
  it.each(["!a76f40da", '"!a76f40da"', '{"id":"!a76f40da"}', "!A76F40DA"])("node accepts %s", async (payload) => {
    const h = fakeHandlers();
    expect(await req("node", payload, h)).toMatchObject({ status: "ok", data: { id: "!a76f40da" } });
    expect(h.calls).toEqual([["node", "!a76f40da"]]);
  });

  it("answers an unknown node with the handler's error", async () => {
    expect(await req("node", "!00000001")).toEqual({ status: "error", error: "unknown node !00000001", data: {} });
  });

  it.each(["a76f40da", "!a76f40d", "!a76f40dax", "", "{}", '{"id": 5}', "12345"])("rejects node id %j", async (payload) => {
    for (const command of ["node", "accept_key", "reject_key", "forget"]) {
      const h = fakeHandlers();
      const res = await req(command, payload, h);
      expect(res.status).toBe("error");
      if (res.status === "error") expect(res.error).toContain('"!a76f40da"');
      expect(h.calls).toEqual([]);
    }
  });

  it("accept_key, reject_key and forget pass the normalised id", async () => {
    const h = fakeHandlers();
    expect(await req("accept_key", '{"id":"!A76F40DA"}', h)).toMatchObject({ status: "ok" });
    expect(await req("reject_key", '"!A76F40DA"', h)).toMatchObject({ status: "ok", data: { id: "!a76f40da" } });
    expect(await req("forget", "!a76f40da", h)).toEqual({ status: "ok", data: { id: "!a76f40da" } });
    expect(h.calls).toEqual([
      ["acceptKey", "!a76f40da"],
      ["rejectKey", "!a76f40da"],
      ["forget", "!a76f40da"],
    ]);
  });
});

describe("send", () => {
  it("sends {to, text}", async () => {
    const h = fakeHandlers();
    const res = await req("send", '{"to":"!a76f40da","text":"hello","transaction":"s1"}', h);
    expect(res).toEqual({ status: "ok", data: { id: 42 }, transaction: "s1" });
    expect(h.calls).toEqual([["send", "!a76f40da", "hello"]]);
  });

  it("takes exactly the byte limit, counting UTF-8 bytes", async () => {
    const h = fakeHandlers();
    const max = "é".repeat(SEND_TEXT_MAX_BYTES / 2); // 2 bytes each
    expect(await req("send", JSON.stringify({ to: "!a76f40da", text: max }), h)).toMatchObject({ status: "ok" });
    const over = await req("send", JSON.stringify({ to: "!a76f40da", text: max + "a" }), h);
    expect(over).toMatchObject({ status: "error" });
    if (over.status === "error") expect(over.error).toContain(`at most ${SEND_TEXT_MAX_BYTES}`);
    expect(h.calls).toHaveLength(1);
  });

  it.each([
    "hello",
    "{}",
    '{"to":"!a76f40da"}',
    '{"to":"!a76f40da","text":""}',
    '{"to":"!a76f40da","text":5}',
    '{"to":"bob","text":"hi"}',
  ])("rejects %s", async (payload) => {
    const h = fakeHandlers();
    expect(await req("send", payload, h)).toMatchObject({ status: "error", data: {} });
    expect(h.calls).toEqual([]);
  });

  it("reports a domain failure from the handler as an error", async () => {
    class SendRefused extends RequestError {}
    const h = fakeHandlers({
      send: () => Promise.reject(new SendRefused("send is disabled (send.enabled: false)")),
    });
    const res = await req("send", '{"to":"!a76f40da","text":"hi"}', h);
    expect(res).toEqual({ status: "error", error: "send is disabled (send.enabled: false)", data: {} });
  });
});

describe("push", () => {
  it.each([
    ["!a76f40da", false],
    ['{"id":"!A76F40DA"}', false],
    ['{"id":"!a76f40da","verify":false}', false],
    ['{"id":"!a76f40da","verify":true,"transaction":"p1"}', true],
  ])("takes %s (verify %s)", async (payload, verify) => {
    const h = fakeHandlers();
    expect(await req("push", payload, h)).toMatchObject({ status: "ok", data: { id: "!a76f40da", verified: verify } });
    expect(h.calls).toEqual([["push", "!a76f40da", verify]]);
  });

  it.each(['{"id":"!a76f40da","verify":"yes"}', '{"id":"!a76f40da","verify":1}', '{"id":"!a76f40da","verify":null}', '{"verify":true}', "{}"])(
    "rejects %s and pushes nothing",
    async (payload) => {
      const h = fakeHandlers();
      const res = await req("push", payload, h);
      expect(res).toMatchObject({ status: "error", data: {} });
      if (res.status === "error") expect(res.error).toMatch(/verify must be true or false|"!a76f40da"/);
      expect(h.calls).toEqual([]);
    },
  );
});
