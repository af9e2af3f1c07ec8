// The Meshtastic TCP API (port 4403) as a Transport: one socket, Nagle off (frames are small
// and a heartbeat must not wait), closed with the reason the socket gave.
import { EventEmitter } from "node:events";
import { Socket } from "node:net";
import type { Endpoint, LinkTraits, Transport, TransportEvents } from "./transport.js";

export interface TcpOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
}

export const TCP_TRAITS: LinkTraits = {
  singleClient: true,
  consoleText: false,
  dumpIdleTimeoutMs: 0,
  silenceHint: null,
};

export function tcpEndpoint(options: TcpOptions): Endpoint {
  return {
    kind: "tcp",
    label: `${options.host}:${options.port}`,
    traits: TCP_TRAITS,
    open: (signal) => openTcp(options, signal),
  };
}

/** Connects, failing after connectTimeoutMs or when `signal` aborts. */
export function openTcp(options: TcpOptions, signal?: AbortSignal): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    const fail = (err: Error): void => {
      cleanup();
      socket.destroy();
      reject(err);
    };
    const onError = (err: Error): void => fail(err);
    const onTimeout = (): void => fail(new Error(`connect timeout after ${options.connectTimeoutMs} ms`));
    const onAbort = (): void => fail(new Error("connect aborted"));
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off("error", onError);
      signal?.removeEventListener("abort", onAbort);
    };
    const timer = setTimeout(onTimeout, options.connectTimeoutMs);
    socket.once("error", onError);
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.setNoDelay(true);
    socket.connect(options.port, options.host, () => {
      cleanup();
      resolve(new TcpTransport(socket));
    });
  });
}

class TcpTransport extends EventEmitter<TransportEvents> implements Transport {
  private closed = false;
  private readonly closedPromise: Promise<void>;

  constructor(private readonly socket: Socket) {
    super();
    this.closedPromise = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.on("data", (chunk: Buffer) => this.emit("data", chunk));
    socket.on("end", () => this.finish("closed by the radio", true));
    socket.on("error", (err) => this.finish(`socket error: ${err.message}`, true));
    socket.on("close", () => this.finish("connection closed", true));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  write(bytes: Uint8Array): void {
    if (this.closed) throw new Error("radio connection is closed");
    this.socket.write(bytes);
  }

  async close(reason = "closed by us"): Promise<void> {
    this.finish(reason, false);
    await this.closedPromise;
  }

  private finish(reason: string, byPeer: boolean): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.emit("close", reason, byPeer);
  }
}
