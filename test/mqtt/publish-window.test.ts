// At most a window of QoS 1 publishes unanswered (issue 24 item 10): with more than 65,535
// packet ids in use MQTT.js reuses ids and the broker's answers stop matching. The pure
// window first, then the client against a peer that withholds every PUBACK until told.
import type { Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { PublishWindow, WINDOW_LIMIT } from "../../src/mqtt/publish-window.js";
import { ScriptedBroker } from "../helpers/scripted-broker.js";
import { client, onCleanup, stopAfterEach } from "./trouble-rig.js";

stopAfterEach();

describe("PublishWindow", () => {
  it("sends up to the limit, keeps the latest payload per waiting topic, and hands back what never went out", () => {
    const sent: Array<{ topic: string; text: string; done: () => void }> = [];
    const w = new PublishWindow((topic, text, done) => void sent.push({ topic, text, done }));
    w.open(2); // the broker's Receive Maximum
    for (const t of ["a", "b", "c", "d"]) w.offer(t, `${t}1`);
    w.offer("c", "c2");
    expect(sent.map((s) => s.text)).toEqual(["a1", "b1"]);
    sent[0]!.done();
    expect(sent.map((s) => s.text)).toEqual(["a1", "b1", "c2"]);
    expect(w.close()).toEqual([["d", "d1"]]);
    w.open();
    sent[1]!.done(); // an answer from the old connection opens nothing
    expect(w.figures).toMatchObject({ inFlight: 0, waiting: 0, peak: 2 });
  });
});

/** QoS 1 PUBLISH packets the client writes (topic, packet id), and QoS 0 topics, parsed from the stream. */
class PublishReader {
  readonly qos1: Array<{ topic: string; id: number }> = [];
  readonly qos0: string[] = [];
  private buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  constructor(socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
      this.wake?.();
    });
  }

  async until(test: () => boolean): Promise<void> {
    while (!test()) await new Promise<void>((resolve) => (this.wake = resolve));
  }

  private parse(): void {
    for (;;) {
      let length = 0;
      let shift = 0;
      let at = 1;
      for (;;) {
        if (at >= this.buffer.length) return;
        const byte = this.buffer[at++]!;
        length += (byte & 0x7f) << shift;
        shift += 7;
        if ((byte & 0x80) === 0) break;
      }
      if (this.buffer.length < at + length) return;
      const type = this.buffer[0]! >> 4;
      const qos = (this.buffer[0]! >> 1) & 3;
      if (type === 3) {
        const topicLength = this.buffer.readUInt16BE(at);
        const topic = this.buffer.toString("utf8", at + 2, at + 2 + topicLength);
        if (qos === 1) this.qos1.push({ topic, id: this.buffer.readUInt16BE(at + 2 + topicLength) });
        else this.qos0.push(topic);
      }
      this.buffer = this.buffer.subarray(at + length);
    }
  }
}

describe("the client's QoS 1 window", () => {
  it(`never has more than ${WINDOW_LIMIT} publishes unanswered; the rest follow as PUBACKs come, each once`, async () => {
    const broker = await ScriptedBroker.start();
    onCleanup(() => broker.stop());
    const connection = broker.nextConnection();
    const c = client(broker.url, "win");
    c.start();
    const socket = await connection;
    const reader = new PublishReader(socket);
    await c.whenConnected();
    const total = 3 * WINDOW_LIMIT;
    for (let i = 0; i < total; i++) c.publishRetained(`win/nodes/${i}`, { i });
    c.publish("win/marker", "after the burst"); // QoS 0, outside the window: written after what was let through
    await reader.until(() => reader.qos0.includes("win/marker"));
    const nodes = (): Array<{ topic: string; id: number }> => reader.qos1.filter((p) => p.topic.startsWith("win/nodes/"));
    // The client's own state and health publishes share the window.
    expect(reader.qos1.length).toBe(WINDOW_LIMIT);
    // Answer every publish from now on, as it comes.
    let answered = 0;
    const answer = (): void => {
      for (; answered < reader.qos1.length; answered++) {
        const id = reader.qos1[answered]!.id;
        socket.write(Buffer.from([0x40, 0x02, id >> 8, id & 0xff]));
      }
    };
    answer();
    socket.on("data", () => setImmediate(answer));
    await reader.until(() => nodes().length >= total);
    expect(new Set(nodes().map((p) => p.topic)).size).toBe(total);
    expect(nodes().length).toBe(total);
  });
});
