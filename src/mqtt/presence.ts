// `<base>/bridge/state` names the process that wrote it: `{"state":"online","instance":...}`.
// The client subscribes to its own state topic and reads what other instances write there,
// so that two bridges on one base_topic are named instead of silently answering every
// request twice, and neither leaves `offline` retained over the other's `online`. Pure.
import { randomBytes } from "node:crypto";

export type PresenceVerdict =
  /** Our own message, or nothing to do. */
  | { kind: "ignore" }
  /** Another instance says it is online on our base topic: `first` the first time we hear of it. */
  | { kind: "conflict"; instance: string; first: boolean }
  /** Another instance's `offline` (its will or its stop) just replaced the retained state: say `online` again. */
  | { kind: "reassert"; instance: string };

export class Presence {
  /** Random per process start (CONTRACT.md). */
  readonly instance: string;
  /** Who wrote the state topic last, as far as we have seen. */
  private lastWriter: { instance: string | null; state: string } | null = null;
  private readonly known = new Set<string>();

  constructor(instance: string = randomBytes(6).toString("hex")) {
    this.instance = instance;
  }

  online(): string {
    return JSON.stringify({ state: "online", instance: this.instance });
  }

  offline(): string {
    return JSON.stringify({ state: "offline", instance: this.instance });
  }

  /** A message on our state topic; `retained` when the broker delivered it from its store. */
  observe(payload: Buffer, retained: boolean): PresenceVerdict {
    const message = parseState(payload);
    if (message === null) return { kind: "ignore" };
    this.lastWriter = message;
    const { instance, state } = message;
    // Before instances were named (older versions), or our own message echoed back.
    if (instance === null || instance === this.instance) return { kind: "ignore" };
    if (state === "online") {
      const first = !this.known.has(instance);
      this.known.add(instance);
      return { kind: "conflict", instance, first };
    }
    // A retained `offline` at subscribe time is our predecessor's will: our `online` follows
    // anyway. One that arrives live just replaced our `online` in the broker's store.
    return retained ? { kind: "ignore" } : { kind: "reassert", instance };
  }

  /** A stopping bridge never writes `offline` over another instance's `online`. */
  mayWriteOffline(): boolean {
    const last = this.lastWriter;
    return last === null || last.instance === null || last.instance === this.instance || last.state !== "online";
  }
}

function parseState(payload: Buffer): { instance: string | null; state: string } | null {
  if (payload.length === 0 || payload.length > 1024) return null;
  try {
    const value = JSON.parse(payload.toString("utf8")) as { state?: unknown; instance?: unknown } | null;
    if (typeof value?.state !== "string") return null;
    return { state: value.state, instance: typeof value.instance === "string" ? value.instance : null };
  } catch {
    return null;
  }
}
