// A fake engine that records what the command table asked of it (node numbers recorded in
// their "!a76f40da" form), and sample payloads shaped as CONTRACT.md says the bridge
// publishes them.
import { nodeId } from "../../src/node-id.js";
import type { Engine } from "../../src/sync/engine.js";
import type { SyncResult } from "../../src/sync/manager.js";

/** The engine methods the command table reaches, flattened, with ids as text. */
export interface CommandHandlers {
  sync(): Promise<SyncResult>;
  setInterval(seconds: number): void;
  setEnabled(on: boolean): void;
  stats(): object;
  node(id: string): object;
  acceptKey(id: string): object;
  rejectKey(id: string): object;
  forget(id: string): void;
  send(to: string, text: string): Promise<{ id: number }>;
  push(id: string, verify: boolean): Promise<object>;
}

export type RecordingHandlers = Engine & { calls: Array<[string, ...unknown[]]> };

export class UnknownNodeError extends Error {
  override name = "UnknownNodeError";
}

export function fakeHandlers(overrides: Partial<CommandHandlers> = {}): RecordingHandlers {
  const calls: Array<[string, ...unknown[]]> = [];
  const base: CommandHandlers = {
    sync: () => {
      calls.push(["sync"]);
      return Promise.resolve({ checked: 3, added: 1, updated: 0, duration_ms: 12 });
    },
    setInterval: (seconds) => void calls.push(["setInterval", seconds]),
    setEnabled: (on) => void calls.push(["setEnabled", on]),
    stats: () => (calls.push(["stats"]), sampleStats()),
    node: (id) => {
      calls.push(["node", id]);
      if (id !== "!a76f40da") throw new UnknownNodeError(`unknown node ${id}`);
      return sampleNode();
    },
    acceptKey: (id) => (calls.push(["acceptKey", id]), { ...sampleNode(), id }),
    rejectKey: (id) => (calls.push(["rejectKey", id]), { ...sampleNode(), id }),
    forget: (id) => void calls.push(["forget", id]),
    send: (to, text) => (calls.push(["send", to, text]), Promise.resolve({ id: 42 })),
    push: (id, verify) => (calls.push(["push", id, verify]), Promise.resolve({ id, fingerprint: "0011223344556677", sent: true, verified: verify, confirmed: true })),
  };
  const h: CommandHandlers = { ...base, ...overrides };
  const engine = {
    manager: {
      sync: () => h.sync(),
      setInterval: (seconds: number) => h.setInterval(seconds),
      setEnabled: (on: boolean) => h.setEnabled(on),
      stats: () => h.stats(),
    },
    keys: {
      node: (num: number) => h.node(nodeId(num)),
      acceptKey: (num: number) => h.acceptKey(nodeId(num)),
      rejectKey: (num: number) => h.rejectKey(nodeId(num)),
      forget: (num: number) => h.forget(nodeId(num)),
    },
    sender: { send: (to: number, text: string) => h.send(nodeId(to), text) },
    pusher: { push: (num: number, options: { verify?: boolean } = {}) => h.push(nodeId(num), options.verify === true) },
  };
  return Object.assign(engine as unknown as Engine, { calls });
}

export function sampleStats(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sync_count: 4,
    keys_added: 10,
    keys_updated: 1,
    last_sync: 1_760_000_000,
    last_sync_iso: "2025-10-09T08:53:20.000Z",
    last_duration_ms: 830,
    last_error: null,
    running: true,
    syncing: false,
    enabled: true,
    interval: 300,
    next_sync: 1_760_000_300,
    nodes_total: 50,
    nodes_with_key: 45,
    nodes_missing_key: 5,
    alerts: 0,
    nodes_only_in_directory: 8,
    radio_nodes: 42,
    nodes_evicted: 3,
    api_clients: 2,
    ...overrides,
  };
}

/** sync/stats before the first sync: the nulls the contract allows. */
export function initialStats(): Record<string, unknown> {
  return sampleStats({
    sync_count: 0,
    keys_added: 0,
    keys_updated: 0,
    last_sync: null,
    last_sync_iso: null,
    last_duration_ms: null,
    next_sync: null,
    enabled: false,
    nodes_total: 0,
    nodes_with_key: 0,
    nodes_missing_key: 0,
    nodes_only_in_directory: 0,
    radio_nodes: null,
    nodes_evicted: 0,
  });
}

export function sampleNode(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "!a76f40da",
    num: 0xa76f40da,
    long_name: "Base station",
    short_name: "BASE",
    has_key: true,
    key_fingerprint: "0123456789abcdef",
    key_source: "nodedb",
    status: "ok",
    verified: false,
    ignored: false,
    first_seen: 1_760_000_000,
    key_changed_at: null,
    public_key: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
    pending_fingerprint: null,
    radio_fingerprint: "0123456789abcdef",
    in_radio: true,
    confirmed: true,
    signed: false,
    replaced_by: null,
    ...overrides,
  };
}
