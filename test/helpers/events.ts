// Await an event instead of sleeping: resolves with the first emission that passes `match`,
// rejects after a generous ceiling so a broken behaviour fails instead of hanging.
import type { EventEmitter } from "node:events";

export function nextEvent<T>(
  emitter: Pick<EventEmitter, "on" | "off">,
  event: string,
  match: (value: T) => boolean = () => true,
  ceilingMs = 20_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`no "${event}" event within ${ceilingMs} ms`));
    }, ceilingMs);
    const listener = (value: T): void => {
      if (!match(value)) return;
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(value);
    };
    emitter.on(event, listener);
  });
}
