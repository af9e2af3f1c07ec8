// Several bridges on one real Mosquitto, watched by one observer subscribed to everything:
// the gateway tests' shared setup. Call sharedBroker() at the top of a test file.
import { afterAll, beforeAll } from "vitest";
import { startBridge, type RunningBridge } from "../../helpers/app.js";
import { Mosquitto } from "../../helpers/mosquitto.js";
import { Observer, json, publishOnce } from "../../helpers/mqtt.js";

export type Response = { status: string; error?: string; data: Record<string, unknown> };

export interface GatewayRig {
  readonly url: string;
  readonly observer: Observer;
  /** A bridge on the shared broker under `base` (its gateway name), stopped after the file. */
  gateway(base: string, config: Record<string, unknown>, sim: Parameters<typeof startBridge>[1]): Promise<RunningBridge>;
  /** A request to `base`'s bridge, answered on its response topic. */
  request(base: string, command: string, payload: object): Promise<Response>;
}

export function sharedBroker(): GatewayRig {
  let mosquitto: Mosquitto | null = null;
  let observer: Observer | null = null;
  const bridges: RunningBridge[] = [];
  beforeAll(async () => {
    mosquitto = await Mosquitto.start();
    observer = await Observer.connect(mosquitto.url, ["#"]);
  });
  afterAll(async () => {
    await observer?.close();
    for (const b of bridges.splice(0)) await b.stop();
    await mosquitto?.stop();
  });
  const started = <T>(value: T | null): T => {
    if (value === null) throw new Error("the shared broker is started in beforeAll");
    return value;
  };
  return {
    get url() {
      return started(mosquitto).url;
    },
    get observer() {
      return started(observer);
    },
    async gateway(base, config, sim) {
      const mqtt = { ...(config.mqtt as object | undefined), server: started(mosquitto).url, base_topic: base };
      const bridge = await startBridge({ ...config, mqtt }, sim);
      bridges.push(bridge);
      return bridge;
    },
    async request(base, command, payload) {
      const o = started(observer);
      const mark = o.mark();
      await publishOnce(started(mosquitto).url, `${base}/bridge/request/${command}`, JSON.stringify(payload));
      return json((await o.next(`${base}/bridge/response/${command}`, () => true, mark)).text) as Response;
    },
  };
}
