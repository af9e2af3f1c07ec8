// A real Mosquitto for integration tests, on a probed free loopback port with a generated
// config. Mosquitto cannot listen on port 0, so we ask the OS for a free port, release it,
// and retry with a new one if someone took it in between. Install the binary with
// scripts/ensure-package.sh. A test may add limits: max_packet_size, an ACL file (which
// in Mosquitto 2.0 governs publishes and reads, never subscriptions) and the dynamic
// security plugin's ACLs (which can refuse subscriptions too).
import { spawn, type ChildProcess } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const READY_CEILING_MS = 10_000;
const START_ATTEMPTS = 5;

// Brokers still running when the test process exits (a failed test, a killed worker) go with it.
const running = new Set<ChildProcess>();
const killAll = (): void => {
  for (const child of running) child.kill("SIGKILL");
};
process.once("exit", killAll);
// A worker ended by a signal runs no "exit" handlers: take the brokers down with it.
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + (signal === "SIGTERM" ? 15 : 2));
  });
}

/** The mosquitto binary on PATH or in /usr/sbin (Debian's place, often not on a user's PATH). */
export function mosquittoBinary(): string | null {
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (dir === "") continue;
    try {
      accessSync(join(dir, "mosquitto"), constants.X_OK);
      return join(dir, "mosquitto");
    } catch {
      // not here
    }
  }
  return null;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface MosquittoLimits {
  /** `max_packet_size`: larger packets from a client get it disconnected. */
  maxPacketSize?: number;
  /** The text of an `acl_file` (e.g. "topic readwrite a/#\ntopic deny a/b"). */
  acl?: string;
  /** The dynamic security plugin's config (defaultACLAccess, roles, groups, anonymousGroup). */
  dynamicSecurity?: object;
}

const PLUGIN_DIRS = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/arm-linux-gnueabihf", "/usr/lib", "/usr/local/lib", "/usr/lib/mosquitto"];

/** The dynamic security plugin shipped with Mosquitto 2.x packages. */
export function dynamicSecurityPlugin(): string {
  for (const dir of PLUGIN_DIRS) {
    const path = join(dir, "mosquitto_dynamic_security.so");
    try {
      accessSync(path, constants.R_OK);
      return path;
    } catch {
      // not here
    }
  }
  throw new Error(`mosquitto_dynamic_security.so not found in ${PLUGIN_DIRS.join(", ")} (it comes with the mosquitto 2.x package)`);
}

export class Mosquitto {
  private child: ChildProcess | null = null;
  private readonly dir = mkdtempSync(join(tmpdir(), "mosquitto-test-"));

  private constructor(
    private readonly binary: string,
    public port: number,
    private readonly limits: MosquittoLimits = {},
  ) {}

  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }

  /** Starts on a fresh free port, retrying with another port if binding fails. */
  static async start(limits: MosquittoLimits = {}): Promise<Mosquitto> {
    const binary = mosquittoBinary();
    if (binary === null) throw new Error("mosquitto not found: run scripts/ensure-package.sh mosquitto mosquitto --service");
    const broker = new Mosquitto(binary, 0, limits);
    let lastError: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      broker.port = await freePort();
      try {
        await broker.launch();
        return broker;
      } catch (error) {
        lastError = error;
      }
    }
    broker.cleanup();
    throw lastError;
  }

  /** Stops and starts again on the same port (retained messages are lost: no persistence). */
  async restart(): Promise<void> {
    await this.halt();
    await this.launch();
  }

  /** Stops the broker; `launch()` may follow (same port). */
  async halt(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }

  async stop(): Promise<void> {
    await this.halt();
    this.cleanup();
  }

  /** Starts mosquitto on `this.port`; resolves once it accepts TCP connections. */
  async launch(): Promise<void> {
    const config = join(this.dir, "mosquitto.conf");
    // `user root` keeps mosquitto from switching to the "mosquitto" user when tests run as root
    // (it would then be unable to read this private temp dir); ignored when not root.
    const lines = [`listener ${this.port} 127.0.0.1`, "allow_anonymous true", "persistence false", "log_dest stderr", "user root"];
    const { maxPacketSize, acl, dynamicSecurity } = this.limits;
    if (maxPacketSize !== undefined) lines.push(`max_packet_size ${maxPacketSize}`);
    if (acl !== undefined) {
      writeFileSync(join(this.dir, "acl"), `${acl}\n`);
      lines.push(`acl_file ${join(this.dir, "acl")}`);
    }
    if (dynamicSecurity !== undefined) {
      writeFileSync(join(this.dir, "dynamic-security.json"), JSON.stringify(dynamicSecurity));
      lines.push(`plugin ${dynamicSecurityPlugin()}`, `plugin_opt_config_file ${join(this.dir, "dynamic-security.json")}`);
    }
    writeFileSync(config, [...lines, ""].join("\n"));
    const child = spawn(this.binary, ["-c", config], { stdio: ["ignore", "ignore", "pipe"] });
    this.child = child;
    running.add(child);
    child.once("exit", () => running.delete(child));
    let log = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      log += chunk.toString();
    });
    const exited = new Promise<never>((_, reject) =>
      child.once("exit", (code) => reject(new Error(`mosquitto exited (${code}) on port ${this.port}: ${log}`))),
    );
    exited.catch(() => undefined);
    try {
      await Promise.race([this.waitAccepting(), exited]);
    } catch (error) {
      await this.halt();
      throw error;
    }
  }

  /** Tries TCP connects until one succeeds (mosquitto has no readiness signal we can rely on). */
  private async waitAccepting(): Promise<void> {
    const deadline = Date.now() + READY_CEILING_MS;
    while (Date.now() < deadline) {
      if (this.child === null || this.child.exitCode !== null) throw new Error("mosquitto is not running");
      const ok = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, "127.0.0.1");
        socket.once("connect", () => {
          socket.destroy();
          resolve(true);
        });
        socket.once("error", () => resolve(false));
      });
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 10)); // a poll interval, not a wait for state
    }
    throw new Error(`mosquitto did not accept connections on port ${this.port} within ${READY_CEILING_MS} ms`);
  }

  private cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
