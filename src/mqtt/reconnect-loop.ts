// The MQTT client's reconnect loop (MQTT.js's own retries come at a fixed period, so they
// are off): after every close, a failed attempt or a lost connection, wait as the policy
// says and try again, until the signal aborts. A broker that turns down MQTT 5 is tried
// again at once with 3.1.1. Typed by the client parts it uses, so only client.ts imports
// MQTT.js.
import type { LogPort } from "../log-port.js";
import { jitter } from "../timing/backoff.js";
import type { Clock } from "../timing/clock.js";
import type { ClientTroubles } from "./client-troubles.js";
import type { ReconnectPolicy } from "./reconnect-policy.js";
import { nextEvent } from "./util.js";

export interface Redialable {
  on(event: "close", listener: () => void): unknown;
  off(event: "close", listener: () => void): unknown;
  reconnect(): unknown;
  options: { protocolVersion?: number; clientId?: string };
}

export interface RedialContext {
  policy: ReconnectPolicy;
  troubles: ClientTroubles;
  clock: Clock;
  log: LogPort;
}

export async function keepConnecting(client: Redialable, ctx: RedialContext, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    await nextEvent(client, "close", signal);
    if (signal.aborted) return;
    if (ctx.troubles.takeFallBack()) {
      // Not a failure: the same attempt again, in the version the broker speaks (aedes).
      client.options.protocolVersion = 4;
      ctx.log.info({}, "MQTT broker speaks MQTT 3.1.1 only: connecting with 3.1.1");
      client.reconnect();
      continue;
    }
    const verdict = ctx.policy.onClose(ctx.troubles.lastClose());
    ctx.troubles.judge(verdict, client.options.clientId);
    // The jitter keeps several bridges on one broker from returning in lockstep.
    const wait = jitter(verdict.waitMs, 0.2, Math.random());
    ctx.log.debug({ retryInMs: wait }, "MQTT disconnected; reconnecting");
    await ctx.clock.sleep(wait, signal);
    if (!signal.aborted) client.reconnect();
  }
}
