// The correction rules of RetainedNodes, with the client's three calls recorded (the real
// broker round trips are in test/faults/mqtt-trouble.test.ts).
import { describe, expect, it } from "vitest";
import { RetainedNodes } from "../../src/bridge/retained-nodes.js";
import type { NodeView } from "../../src/directory/record.js";
import type { MessageHandler } from "../../src/mqtt/client.js";
import { bridgeTopics } from "../../src/mqtt/topics.js";
import { ManualClock } from "../helpers/clock.js";

function setup(views: Record<number, object>, sentNow = false) {
  const published: Array<{ topic: string; text: string; force: boolean }> = [];
  let handler: MessageHandler = () => undefined;
  const clock = new ManualClock();
  const nodes = new RetainedNodes({
    client: {
      subscribe: (_filter, h) => {
        handler = h;
        return () => undefined;
      },
      publishRetained: (topic, payload, options) => {
        published.push({ topic, text: typeof payload === "string" ? payload : JSON.stringify(payload), force: options?.force === true });
      },
      sentOnThisConnection: () => sentNow,
    },
    topics: bridgeTopics("b"),
    directory: { view: (num) => views[num] as NodeView | undefined },
    clock,
  });
  nodes.start();
  const deliver = (topic: string, text: string, retain = false) => handler(topic, Buffer.from(text), { retain });
  return { published, deliver, clock };
}

describe("RetainedNodes", () => {
  const view = { id: "!00000001", num: 1, has_key: true };

  it("leaves a copy equal to the directory alone, corrects one that differs, clears one for an unknown node", () => {
    const { published, deliver } = setup({ 1: view });
    void deliver("b/nodes/!00000001", JSON.stringify(view));
    expect(published).toEqual([]);
    void deliver("b/nodes/!00000001", '{"forged":true}');
    void deliver("b/nodes/!00000002", '{"id":"!00000002"}');
    void deliver("b/nodes/!00000003", ""); // already cleared: nothing to do
    void deliver("b/nodes/!00000001/extra", "x"); // not a node topic
    expect(published).toEqual([
      { topic: "b/nodes/!00000001", text: JSON.stringify(view), force: true },
      { topic: "b/nodes/!00000002", text: "", force: true },
    ]);
  });

  it("treats another spelling of a node id as a foreign topic and clears it", () => {
    const known = { id: "!a76f40da", num: 0xa76f40da, has_key: true };
    const { published, deliver } = setup({ [0xa76f40da]: known });
    void deliver("b/nodes/!A76F40DA", JSON.stringify(known));
    void deliver("b/nodes/!a76f40da", JSON.stringify(known));
    expect(published).toEqual([{ topic: "b/nodes/!A76F40DA", text: "", force: true }]);
  });

  it("skips a stored copy delivered at subscribe when this connection already carries our status", () => {
    const { published, deliver } = setup({ 1: view }, true);
    void deliver("b/nodes/!00000001", '{"stale":true}', true);
    expect(published).toEqual([]);
    void deliver("b/nodes/!00000001", '{"forged":true}', false); // live: someone writes it now
    expect(published).toHaveLength(1);
  });

  it("corrects one topic at most 3 times a minute, so two writers cannot loop", async () => {
    const { published, deliver, clock } = setup({ 1: view });
    for (let i = 0; i < 10; i++) void deliver("b/nodes/!00000001", `{"forged":${i}}`);
    expect(published).toHaveLength(3);
    await clock.advance(60_001);
    void deliver("b/nodes/!00000001", '{"forged":"again"}');
    expect(published).toHaveLength(4);
  });
});
