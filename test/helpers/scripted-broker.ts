// A minimal MQTT 5 peer for what a real broker at hand never does: it accepts every
// CONNECT (CONNACK, reason 0x00), ignores everything after it, and on request ends a
// connection with a DISCONNECT carrying a chosen reason code (MQTT 5.0 section 3.14), as
// a broker does when another client takes the session over (0x8E). Mosquitto 2.0.11, the
// one the tests install, closes a taken-over connection without a DISCONNECT.
import { createServer, type Server, type Socket } from "node:net";

const CONNACK_V5_OK = Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]); // flags, reason 0x00, no properties

export class ScriptedBroker {
  private readonly sockets = new Set<Socket>();
  private readonly waiting: Array<(socket: Socket) => void> = [];
  connects = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ScriptedBroker> {
    const server = createServer();
    const broker = new ScriptedBroker(server);
    server.on("connection", (socket) => broker.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return broker;
  }

  get url(): string {
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("not listening");
    return `mqtt://127.0.0.1:${address.port}`;
  }

  /** Resolves with the next connection that has been sent its CONNACK. */
  nextConnection(): Promise<Socket> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Sends DISCONNECT with `reasonCode` and closes the connection. */
  disconnect(socket: Socket, reasonCode: number): void {
    socket.end(Buffer.from([0xe0, 0x02, reasonCode, 0x00]));
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    // The first bytes are the CONNECT; what follows (SUBSCRIBE, PUBLISH) goes unanswered.
    socket.once("data", () => {
      this.connects++;
      socket.write(CONNACK_V5_OK);
      this.waiting.shift()?.(socket);
    });
  }
}
