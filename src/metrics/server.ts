// The metrics listener (node:http): GET /metrics (Prometheus text) and GET /healthz. A thin
// shell: what to answer comes from families.ts and health-check.ts.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { LogPort } from "../log-port.js";
import type { HealthVerdict } from "./health-check.js";

export interface MetricsServerOptions {
  host: string;
  /** 0: any free port (tests); `address` says which. */
  port: number;
  scrape: () => Promise<string>;
  contentType: string;
  health: () => HealthVerdict;
  log: LogPort;
}

export class MetricsServer {
  private server: Server | null = null;
  private bound: { host: string; port: number } | null = null;

  constructor(private readonly opts: MetricsServerOptions) {}

  /** Where it listens; null until started. */
  get address(): { host: string; port: number } | null {
    return this.bound;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => void this.answer(req, res));
    // A scraper's keep-alive socket must not hold the process open after stop.
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", (err: NodeJS.ErrnoException) => {
        const where = `${this.opts.host}:${this.opts.port}`;
        reject(new Error(err.code === "EADDRINUSE" ? `metrics: ${where} is already in use (another bridge or exporter?): set metrics.port to a free port` : `metrics: cannot listen on ${where}: ${err.message}`));
      });
      server.listen(this.opts.port, this.opts.host, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("metrics: the listener has no TCP address");
    this.server = server;
    this.bound = { host: address.address, port: address.port };
    this.opts.log.info({ host: address.address, port: address.port }, `metrics listening on http://${hostPart(address.address)}:${address.port}/metrics`);
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // close() alone waits for idle keep-alive sockets to time out.
    server.closeAllConnections();
    await closed;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "only GET\n", { allow: "GET, HEAD" });
    if (path === "/healthz") {
      const { code, body } = this.opts.health();
      return send(res, code, "application/json", `${JSON.stringify(body)}\n`);
    }
    if (path !== "/metrics") return send(res, 404, "text/plain", "not found: GET /metrics or /healthz\n");
    try {
      send(res, 200, this.opts.contentType, await this.opts.scrape());
    } catch (err) {
      // A read model that throws is our bug: the scraper sees a 500, the log says which.
      this.opts.log.error({ err: (err as Error).message }, "metrics: a scrape failed");
      send(res, 500, "text/plain", `scrape failed: ${(err as Error).message}\n`);
    }
  }
}

function send(res: ServerResponse, code: number, type: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(code, { "content-type": type, "cache-control": "no-store", ...headers });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

function hostPart(address: string): string {
  return address.includes(":") ? `[${address}]` : address;
}
