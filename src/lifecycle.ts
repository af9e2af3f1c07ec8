// The two shapes every long-lived part shares (Zigbee2MQTT's extension lifecycle): a
// constructor that only assigns, start() that does the work, stop() that undoes all of it.
// listen() subscribes a set of handlers and hands back the one call that removes them, so no
// part keeps hand-paired on/off lists.
import type { EventEmitter } from "node:events";
import type { LogPort } from "./log-port.js";

export interface Component {
  start(): unknown;
  stop(): void | Promise<unknown>;
}

type Handlers<E> = { [K in keyof E]?: E[K] extends unknown[] ? (...args: E[K]) => void : never };

/**
 * Subscribes every handler; the returned function unsubscribes them all (idempotent). Name
 * the event map (`listen<RadioEvents>(radio, …)`): the handlers are typed from it.
 */
export function listen<E extends Record<keyof E, unknown[]>>(emitter: EventEmitter<E>, handlers: NoInfer<Handlers<E>>): () => void {
  const pairs = Object.entries(handlers) as [string, ((...args: unknown[]) => void) | undefined][];
  const target = emitter as unknown as EventEmitter;
  for (const [event, handler] of pairs) if (handler) target.on(event, handler);
  let subscribed = true;
  return () => {
    if (!subscribed) return;
    subscribed = false;
    for (const [event, handler] of pairs) if (handler) target.off(event, handler);
  };
}

/**
 * Started parts, stopped in reverse; a part that fails to stop does not keep the rest
 * running, and the first failure is rethrown at the end (e.g. the store's final write: exit 1).
 */
export class Started {
  private readonly parts: Component[] = [];

  constructor(private readonly log: LogPort) {}

  async add<T extends Component>(part: T): Promise<T> {
    await part.start();
    this.parts.push(part);
    return part;
  }

  async stopAll(): Promise<void> {
    let first: Error | null = null;
    for (const part of this.parts.splice(0).reverse()) {
      try {
        await part.stop();
      } catch (err) {
        this.log.error({ err }, "error while stopping");
        first ??= err instanceof Error ? err : new Error(String(err));
      }
    }
    if (first !== null) throw first;
  }
}
