// What one client is sent, at the pace it reads: a handshake larger than the limit is written
// a slice at a time and never counted against it; frames behind it wait, in order, and count.
import { EventEmitter } from "node:events";
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { ClientOutput } from "../../src/api-server/outbound.js";

/** A socket whose reader takes what it holds only when told to (a highWaterMark of 16 KiB). */
class Reader extends EventEmitter {
  readonly taken: Buffer[] = [];
  private held: Buffer[] = [];
  destroyed = false;
  writableLength = 0;
  writableNeedDrain = false;

  write(bytes: Buffer): boolean {
    this.held.push(bytes);
    this.writableLength += bytes.length;
    this.writableNeedDrain = this.writableLength >= 16 * 1024;
    return !this.writableNeedDrain;
  }

  /** The client reads everything waiting. */
  read(): void {
    this.taken.push(...this.held);
    this.held = [];
    this.writableLength = 0;
    if (this.writableNeedDrain) {
      this.writableNeedDrain = false;
      this.emit("drain");
    }
  }

  readAll(): Buffer {
    while (this.writableLength > 0) this.read();
    return Buffer.concat(this.taken);
  }
}

function setup(max: number) {
  const socket = new Reader();
  const stuck: string[] = [];
  const output = new ClientOutput(socket as unknown as Socket, max, (reason) => stuck.push(reason));
  return { socket, stuck, output };
}

describe("a client's output", () => {
  it("writes a handshake ten times the limit as the client reads, the frames sent meanwhile after it, in order", () => {
    const { socket, stuck, output } = setup(100_000);
    const handshake = Buffer.alloc(1_000_000, 7);
    output.handshake([handshake, Buffer.from("complete")]);
    output.write(Buffer.from("live-1"));
    // One slice in the socket: the rest waits for the client, uncounted.
    expect(socket.writableLength).toBe(64 * 1024);
    expect(output.unread).toBe(64 * 1024 + "complete".length + "live-1".length);
    output.write(Buffer.from("live-2"));
    expect(socket.readAll().equals(Buffer.concat([handshake, Buffer.from("complete"), Buffer.from("live-1"), Buffer.from("live-2")]))).toBe(true);
    expect(stuck).toEqual([]);
    expect(output.unread).toBe(0);
  });

  it("counts what a client that does not read is sent behind its handshake, and a second handshake in full", () => {
    const { stuck, output } = setup(100_000);
    output.handshake([Buffer.alloc(1_000_000), Buffer.from("complete")]);
    for (let i = 0; i < 10; i++) output.write(Buffer.alloc(1_000));
    expect(stuck).toEqual([]);
    output.handshake([Buffer.alloc(1_000_000), Buffer.from("complete")]);
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toMatch(/^stopped reading: \d+ bytes waiting$/);
  });

  it("writes small frames at once while the client keeps up", () => {
    const { socket, output } = setup(100_000);
    output.write(Buffer.from("a"));
    output.write(Buffer.from("b"));
    expect(socket.writableLength).toBe(2);
    expect(output.unread).toBe(2);
  });
});
