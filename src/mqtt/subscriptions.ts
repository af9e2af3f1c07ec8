// The client's subscriptions as data: which handlers a message goes to, which filters the
// broker must know after every reconnect, and when the last handler of a filter is gone.
import type { LogPort } from "../log-port.js";
import type { MessageHandler, SubscribeOptions } from "./client-types.js";
import { topicMatches } from "./topics.js";
import { errorText } from "./util.js";

interface Subscription {
  filter: string;
  handler: MessageHandler;
  ignoreOwn: boolean;
}

export class Subscriptions {
  private readonly list: Subscription[] = [];

  /** Adds a handler; returns the function that removes it again, which says whether that was the filter's last. */
  add(filter: string, handler: MessageHandler, opts: SubscribeOptions = {}): () => boolean {
    const sub: Subscription = { filter, handler, ignoreOwn: opts.ignoreOwn ?? false };
    this.list.push(sub);
    return () => {
      const i = this.list.indexOf(sub);
      if (i >= 0) this.list.splice(i, 1);
      return !this.list.some((s) => s.filter === filter);
    };
  }

  /** Every filter once, in the order first subscribed. */
  filters(): string[] {
    return [...new Set(this.list.map((s) => s.filter))];
  }

  /** Hands a message to every matching handler; `isOwn` says whether we published it ourselves. */
  dispatch(topic: string, payload: Buffer, retain: boolean, isOwn: () => boolean, log: LogPort): void {
    for (const sub of this.list) {
      if (!topicMatches(sub.filter, topic)) continue;
      if (sub.ignoreOwn && isOwn()) continue;
      // A handler's failure is its own: log it and keep serving the other handlers.
      Promise.resolve()
        .then(() => sub.handler(topic, payload, { retain }))
        .catch((error: unknown) => log.error({ topic, err: errorText(error) }, "MQTT message handler failed"));
    }
  }
}
