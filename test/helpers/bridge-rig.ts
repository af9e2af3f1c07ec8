// The whole bridge against the simulator with an MQTT observer on everything under its base
// topic, started once its first sync is out, and a request/response helper matched by
// transaction. Both are closed when the test finishes.
import { onTestFinished } from "vitest";
import type { SimRadioOptions } from "../../src/sim/index.js";
import { startBridge, type RunningBridge } from "./app.js";
import { Observer, json, publishOnce } from "./mqtt.js";

export const BASE = "meshtastic-keysync";

export type Response = { status: string; error?: string; data: Record<string, unknown>; transaction?: string };

export interface ObservedBridge {
  bridge: RunningBridge;
  observer: Observer;
  /** Publishes `<base>/bridge/request/<command>` (a string payload is taken as a node id) and resolves with its response. */
  request(command: string, payload: Record<string, unknown> | string): Promise<Response>;
}

let serial = 0;

export async function observedBridge(config: Record<string, unknown>, sim: SimRadioOptions): Promise<ObservedBridge> {
  const bridge = await startBridge(config, sim);
  const observer = await Observer.connect(bridge.mqttUrl, [`${BASE}/#`]);
  onTestFinished(async () => {
    await observer.close();
    await bridge.stop();
  });
  await observer.next(`${BASE}/sync/stats`, (t) => (json(t) as { sync_count: number }).sync_count >= 1);
  const request = async (command: string, payload: Record<string, unknown> | string): Promise<Response> => {
    const transaction = `t${++serial}`;
    const body = typeof payload === "string" ? { id: payload, transaction } : { ...payload, transaction };
    const mark = observer.mark();
    await publishOnce(bridge.mqttUrl, `${BASE}/bridge/request/${command}`, JSON.stringify(body));
    const answer = await observer.next(`${BASE}/bridge/response/${command}`, (t) => (json(t) as Response).transaction === transaction, mark);
    return json(answer.text) as Response;
  };
  return { bridge, observer, request };
}
