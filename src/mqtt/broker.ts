// The embedded MQTT broker (aedes 1.x over a plain TCP server), used when no `mqtt.server`
// is configured. aedes speaks MQTT 3.1.1; it keeps retained messages in memory only.
import { timingSafeEqual } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { Aedes, type AuthenticateError } from "aedes";

export interface EmbeddedBrokerOptions {
  host?: string;
  /** 0 picks a free port; `port` reports the real one after start(). */
  port?: number;
  /** Set both to require login; neither for an open broker. */
  username?: string;
  password?: string;
}

// aedes' AuthErrorCode is a `const enum` in its typings; 4 is CONNACK "bad user name or
// password" in MQTT 3.1.1 (section 3.2.2.3).
const BAD_USERNAME_OR_PASSWORD = 4;

export class EmbeddedBroker {
  private aedes: Aedes | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;
  private boundHost = "";

  constructor(private readonly opts: EmbeddedBrokerOptions = {}) {}

  get port(): number {
    return this.boundPort;
  }

  get host(): string {
    return this.boundHost;
  }

  /** mqtt://host:port for clients, valid after start(). */
  get url(): string {
    const host = this.boundHost.includes(":") ? `[${this.boundHost}]` : this.boundHost;
    return `mqtt://${host}:${this.boundPort}`;
  }

  async start(): Promise<{ host: string; port: number }> {
    if (this.aedes !== null) throw new Error("embedded broker already started");
    const { username, password } = this.opts;
    if ((username === undefined) !== (password === undefined)) {
      throw new Error("embedded_broker: set both username and password, or neither");
    }
    const aedes = await Aedes.createBroker(
      username === undefined || password === undefined ? {} : { authenticate: checkLogin(username, password) },
    );
    this.aedes = aedes;
    const server = createServer((socket) => {
      // Tracked so stop() can end connections that never finish CONNECT (aedes only knows
      // clients once connected), which would otherwise keep server.close() waiting.
      this.sockets.add(socket);
      // Small MQTT packets must not wait for the peer's delayed ACK (Nagle: ~40 ms a message).
      socket.setNoDelay(true);
      socket.once("close", () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
    this.server = server;
    const host = this.opts.host ?? "127.0.0.1";
    try {
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(this.opts.port ?? 1883, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      await this.stop();
      throw error;
    }
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("broker has no TCP address");
    this.boundHost = address.address;
    this.boundPort = address.port;
    return { host: this.boundHost, port: this.boundPort };
  }

  /** Closes every client and the listening socket; leaves no handle behind. */
  async stop(): Promise<void> {
    const { server, aedes } = this;
    this.server = null;
    this.aedes = null;
    const serverClosed =
      server?.listening === true
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
    if (aedes !== null) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await serverClosed;
  }
}

function checkLogin(username: string, password: string) {
  const wantUser = Buffer.from(username);
  const wantPass = Buffer.from(password);
  return (
    _client: unknown,
    user: Readonly<string | undefined>,
    pass: Readonly<Buffer | undefined>,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void => {
    const ok = equal(Buffer.from(user ?? ""), wantUser) && pass !== undefined && equal(pass, wantPass);
    if (ok) return done(null, true);
    const error = new Error("bad username or password") as AuthenticateError;
    error.returnCode = BAD_USERNAME_OR_PASSWORD;
    done(error, false);
  };
}

/** Constant-time comparison, so a wrong password's length or prefix is not timed out of us. */
function equal(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
