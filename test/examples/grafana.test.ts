// examples/grafana/meshtastic-keysync.json charts only what a running bridge exports: every
// metric name in its PromQL (panels and variables) is one a bridge's /metrics really serves,
// and every family the bridge serves is charted somewhere, so neither side drifts alone.
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBridge, type RunningBridge } from "../helpers/app.js";

const DASHBOARD = join(import.meta.dirname, "../../examples/grafana/meshtastic-keysync.json");

interface Target {
  expr: string;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  targets?: Target[];
  datasource?: { uid: string };
}
interface Dashboard {
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, "utf8")) as Dashboard;
const expressions = [
  ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
  ...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])),
];
const namesUsed = new Set(expressions.flatMap((expr) => [...expr.matchAll(/\bmeshtastic_keysync_[a-z0-9_]+/g)].map((m) => m[0])));

function scrape(address: string): Promise<string> {
  const at = address.lastIndexOf(":");
  return new Promise((resolve, reject) => {
    const req = request({ host: address.slice(0, at), port: Number(address.slice(at + 1)), path: "/metrics" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
}

let bridge: RunningBridge;
/** Family name → type, from the `# TYPE` lines a running bridge serves. */
const families = new Map<string, string>();
beforeAll(async () => {
  bridge = await startBridge({ metrics: { enabled: true, port: 0 } }, { nodes: 5 });
  const text = await scrape(bridge.app.addresses.metrics as string);
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) families.set(name as string, type as string);
});
afterAll(() => bridge.stop());

/** The series names a family's samples carry (a histogram's _bucket, _sum and _count). */
function seriesOf(name: string, type: string): string[] {
  return type === "histogram" ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

describe("the Grafana dashboard", () => {
  it("names only metrics a running bridge exports", () => {
    expect(families.size).toBeGreaterThan(10);
    const exported = new Set([...families].flatMap(([name, type]) => seriesOf(name, type)));
    expect(namesUsed.size).toBeGreaterThan(10);
    expect([...namesUsed].filter((name) => !exported.has(name))).toEqual([]);
  });

  it("charts every family the bridge exports", () => {
    const uncharted = [...families].filter(([name, type]) => !seriesOf(name, type).some((series) => namesUsed.has(series))).map(([name]) => name);
    expect(uncharted).toEqual([]);
  });

  it("every query panel has an expression and reads the dashboard's datasource variable; ids are unique", () => {
    const queryPanels = dashboard.panels.filter((p) => p.type !== "row");
    for (const panel of queryPanels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource?.uid, panel.title).toBe("${datasource}");
      for (const t of panel.targets ?? []) expect(t.expr, panel.title).toMatch(/meshtastic_keysync_/);
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
