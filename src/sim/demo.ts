// The demo schedule: now and then the simulated mesh does something a key bridge should
// notice, so the product's demo mode shows the sync working with nothing attached.
import { setTimeout as sleepPromise } from "node:timers/promises";
import type { SimNode } from "./nodedb.js";

export type DemoStepKind = "silentNode" | "nodeInfo" | "reflash" | "position";

export interface DemoStep {
  kind: DemoStepKind;
  num: number;
}

/** What the demo needs from the radio (SimRadio implements it). */
export interface DemoActions {
  addNodesSilently(count: number): SimNode[];
  deliverEncrypted(num: number): number;
  deliverNodeInfo(num: number): number;
  deliverPosition(num: number): number;
  /** Returns the number the device is heard under now: the same on 2.7, crc32(new key) on 2.8. */
  reflashNode(num: number): number;
  /** A node with a key, chosen at random (seeded); undefined when there is none. */
  pickKeyedNode(): SimNode | undefined;
}

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export interface DemoOptions {
  /** Pause between steps. Default 15 s. */
  everyMs?: number;
  /** Injectable for tests; the default timer is unref'd so it never keeps the process alive. */
  sleep?: Sleep;
  onStep?: (step: DemoStep) => void;
  onError?: (err: unknown) => void;
}

const STEPS: DemoStepKind[] = ["silentNode", "nodeInfo", "reflash", "position"];

const defaultSleep: Sleep = async (ms, signal) => {
  await sleepPromise(ms, undefined, { signal, ref: false });
};

/** Runs until `signal` aborts; a failing step is reported and the loop goes on. */
export async function runDemo(actions: DemoActions, options: DemoOptions, signal: AbortSignal): Promise<void> {
  const everyMs = options.everyMs ?? 15_000;
  const sleep = options.sleep ?? defaultSleep;
  for (let i = 0; !signal.aborted; i++) {
    try {
      await sleep(everyMs, signal);
    } catch {
      return; // aborted while sleeping
    }
    if (signal.aborted) return;
    try {
      const step = demoStep(actions, STEPS[i % STEPS.length] ?? "position");
      if (step) options.onStep?.(step);
    } catch (err) {
      options.onError?.(err);
    }
  }
}

function demoStep(actions: DemoActions, kind: DemoStepKind): DemoStep | null {
  if (kind === "silentNode") {
    // The radio learns a node (and its key) the client never saw; then it speaks on a
    // channel we cannot open: the signal that should trigger an in-band sync.
    const [node] = actions.addNodesSilently(1);
    if (!node) return null;
    actions.deliverEncrypted(node.num);
    return { kind, num: node.num };
  }
  const node = actions.pickKeyedNode();
  if (!node) return null;
  if (kind === "reflash") {
    // A re-flashed device: a new key on the air, announced by its NodeInfo (2.7: one
    // key_changed alert, the radio's NodeDB keeping the old key; 2.8: a new node).
    actions.deliverNodeInfo(actions.reflashNode(node.num));
  } else if (kind === "nodeInfo") {
    actions.deliverNodeInfo(node.num);
  } else {
    actions.deliverPosition(node.num);
  }
  return { kind, num: node.num };
}
