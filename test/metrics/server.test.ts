// The listener over loopback on port 0: routes, content types, a port already in use, and a
// stop that leaves nothing open (a scraper's keep-alive socket included).
import { createServer, request, type Agent } from "node:http";
import { Agent as HttpAgent } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { MetricsServer } from "../../src/metrics/server.js";
import type { HealthVerdict } from "../../src/metrics/health-check.js";
import { silentLog } from "../../src/log-port.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

let healthy = true;
const verdict = (): HealthVerdict =>
  healthy ? { code: 200, body: { status: "ok", radio: "connected", mqtt: "connected" } } : { code: 503, body: { status: "unavailable", radio: "disconnected", mqtt: "connected", reason: "radio disconnected: gone" } };

async function serve(port = 0): Promise<MetricsServer> {
  const server = new MetricsServer({ host: "127.0.0.1", port, scrape: () => Promise.resolve("x_total 1\n"), contentType: "text/plain; version=0.0.4; charset=utf-8", health: verdict, log: silentLog });
  await server.start();
  cleanups.push(() => server.stop());
  return server;
}

function get(port: number, path: string, agent?: Agent): Promise<{ code: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ code: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("metrics listener", () => {
  it("serves /metrics, /healthz (200 and 503 with the reason) and 404 elsewhere", async () => {
    const { port } = (await serve()).address!;
    expect(port).toBeGreaterThan(0);
    expect(await get(port, "/metrics")).toEqual({ code: 200, type: "text/plain; version=0.0.4; charset=utf-8", body: "x_total 1\n" });
    healthy = true;
    const ok = await get(port, "/healthz");
    expect([ok.code, ok.type, JSON.parse(ok.body)]).toEqual([200, "application/json", { status: "ok", radio: "connected", mqtt: "connected" }]);
    healthy = false;
    const down = await get(port, "/healthz");
    expect(down.code).toBe(503);
    expect(JSON.parse(down.body)).toMatchObject({ status: "unavailable", reason: "radio disconnected: gone" });
    expect((await get(port, "/")).code).toBe(404);
  });

  it("a port in use fails start with a message naming metrics.port", async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as { port: number }).port;
    const server = new MetricsServer({ host: "127.0.0.1", port, scrape: () => Promise.resolve(""), contentType: "text/plain", health: verdict, log: silentLog });
    await expect(server.start()).rejects.toThrow(`metrics: 127.0.0.1:${port} is already in use (another bridge or exporter?): set metrics.port to a free port`);
  });

  it("stop closes the listener and a scraper's idle keep-alive socket at once", async () => {
    const server = await serve();
    const { port } = server.address!;
    const agent = new HttpAgent({ keepAlive: true });
    cleanups.push(() => Promise.resolve(agent.destroy()));
    expect((await get(port, "/metrics", agent)).code).toBe(200);
    const sockets = Object.values(agent.freeSockets).flat();
    expect(sockets).toHaveLength(1);
    const closed = new Promise<void>((resolve) => sockets[0]!.once("close", () => resolve()));
    const began = Date.now();
    await server.stop();
    await closed;
    // Without closing it, the idle socket would hold stop() for the 5 s keep-alive timeout.
    expect(Date.now() - began).toBeLessThan(2_500);
    await expect(get(port, "/metrics")).rejects.toThrow(/ECONNREFUSED/);
  });
});
