// The families over hand-made read models: every family present, labels from fixed sets, the
// uplink's figures picked up from whatever sync/stats and bridge/health hold.
import { describe, expect, it } from "vitest";
import type { NodeStatus } from "../../src/directory/record.js";
import { MetricFamilies, type MetricsReadModels } from "../../src/metrics/families.js";
import { buildStats, type SyncStats } from "../../src/sync/stats.js";
import { samples } from "../helpers/prometheus.js";

function stats(extra: Record<string, unknown> = {}): SyncStats {
  const base = buildStats(
    { syncCount: 3, lastSyncAt: 1_700_000_000_000, lastDurationMs: 800, lastError: null },
    { running: false, enabled: true, intervalSec: 300, nextSyncAt: null },
    true,
    { nodes_total: 5, nodes_with_key: 4, nodes_missing_key: 1, alerts: 1, nodes_only_in_directory: 2 },
    { added: 4, updated: 1 },
    { radio_nodes: 3, nodes_evicted: 1 },
    2,
    7,
  );
  return { ...base, ...extra };
}

function models(overrides: Partial<MetricsReadModels> = {}): MetricsReadModels {
  const statuses: NodeStatus[] = ["ok", "ok", "ok", "missing", "changed"];
  return {
    stats: () => stats(),
    statusCounts: () => {
      const counts = new Map<NodeStatus, number>();
      for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
      return counts;
    },
    radio: () => ({ state: "connected" }),
    mqttConnected: () => true,
    health: () => ({ mqtt: { reconnects: 2 } }),
    pushes: () => ({ sent: { bridge: 1, clients: 0 }, refused: { bridge: 2, clients: 1 }, left: { bridge: 19, clients: 20 } }),
    journalBytes: () => 4096,
    version: "9.9.9",
    ...overrides,
  };
}

describe("metric families", () => {
  it("fills every figure from the read models at scrape time", async () => {
    const s = samples(await new MetricFamilies(models()).scrape());
    const P = "meshtastic_keysync_";
    expect(s.get(`${P}syncs_total`)).toBe(3);
    expect(s.get(`${P}last_sync_timestamp_seconds`)).toBe(1_700_000_000);
    expect(s.get(`${P}keys{status="ok"}`)).toBe(3);
    expect(s.get(`${P}keys{status="missing"}`)).toBe(1);
    expect(s.get(`${P}keys{status="changed"}`)).toBe(1);
    // Every status is there, 0 included: a panel never shows "no data".
    expect(s.get(`${P}keys{status="duplicate"}`)).toBe(0);
    expect(s.get(`${P}nodes{where="radio"}`)).toBe(3);
    expect(s.get(`${P}nodes{where="directory_only"}`)).toBe(2);
    expect(s.get(`${P}keys_learned_total{kind="added"}`)).toBe(4);
    expect(s.get(`${P}api_clients`)).toBe(2);
    expect(s.get(`${P}send_queue`)).toBe(7);
    expect(s.get(`${P}mqtt_reconnects_total`)).toBe(2);
    expect(s.get(`${P}pushes_total{outcome="refused",budget="bridge"}`)).toBe(2);
    expect(s.get(`${P}push_budget_remaining{budget="bridge"}`)).toBe(19);
    expect(s.get(`${P}store_journal_bytes`)).toBe(4096);
    expect(s.get(`${P}info{version="9.9.9"}`)).toBe(1);
    expect(s.get(`${P}radio_connected`)).toBe(1);
  });

  it("leaves out the radio's node count before its first dump instead of showing 0", async () => {
    const s = samples(await new MetricFamilies(models({ stats: () => ({ ...stats(), radio_nodes: null }) })).scrape());
    expect(s.has(`meshtastic_keysync_nodes{where="radio"}`)).toBe(false);
    expect(s.get(`meshtastic_keysync_nodes{where="directory"}`)).toBe(5);
  });

  it("exports the uplink's figures once sync/stats and bridge/health carry them, and nothing of them before", async () => {
    const before = await new MetricFamilies(models()).scrape();
    expect(before).not.toMatch(/^meshtastic_keysync_uplink\{/m);
    const withUplink = models({
      stats: () => stats({ uplink_envelopes: 12, uplink_keys: 3, uplink_note: "text is ignored" }),
      health: () => ({ mqtt: { reconnects: 0 }, uplink: { connected: true, reconnects: 1, server: "mqtt.example" } }),
    });
    const s = samples(await new MetricFamilies(withUplink).scrape());
    expect(s.get(`meshtastic_keysync_uplink{figure="envelopes"}`)).toBe(12);
    expect(s.get(`meshtastic_keysync_uplink{figure="keys"}`)).toBe(3);
    expect(s.get(`meshtastic_keysync_uplink{figure="health_connected"}`)).toBe(1);
    expect(s.get(`meshtastic_keysync_uplink{figure="health_reconnects"}`)).toBe(1);
    expect([...s.keys()].some((k) => k.includes("note") || k.includes("server"))).toBe(false);
  });

  it("reads the read models once per scrape, whatever the number of families", async () => {
    let reads = 0;
    const families = new MetricFamilies(models({ stats: () => (reads++, stats()) }));
    await families.scrape();
    expect(reads).toBe(1);
    await families.scrape();
    expect(reads).toBe(2);
  });

  it("never labels by node: every label value comes from a fixed set", async () => {
    const text = await new MetricFamilies(models()).scrape();
    const labels = [...text.matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => `${k}=${v}`);
    expect(labels.filter((l) => /![0-9a-f]{8}|a76f40/.test(l))).toEqual([]);
    const allowed = new Set(["budget", "figure", "kind", "le", "outcome", "owner", "status", "version", "where"]);
    expect(labels.map((l) => l.split("=")[0]).filter((k) => !allowed.has(k as string))).toEqual([]);
  });
});
