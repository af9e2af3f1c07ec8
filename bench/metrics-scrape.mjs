// Row 16: what Prometheus scraping costs the bridge. The bridge (its own process, metrics on)
// against a 10,000-node simulator; after its first sync, its CPU time (user + system) over a
// quiet stretch with no scrape, then over a stretch as long with GET /metrics once a second.
// The CPU added is the difference of the two rates, as a share of one core. Goal: < 1%.
// Alone: `npm run build && node bench/metrics-scrape.mjs`; BENCH_METRICS_SECONDS shortens
// each stretch (default 60) for a quick check.
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { startBridge, startSim } from "./lib/setup.mjs";
import { median, p95 } from "./lib/stats.mjs";
import { BENCH_COLUMNS, bytes, count, ms, renderTable } from "./lib/table.mjs";
import { nowMs, sleep } from "./lib/time.mjs";

export const METRICS_PLAN = { nodes: 10_000, seconds: Number(process.env.BENCH_METRICS_SECONDS) || 60, everyMs: 1_000 };

function scrape(address, path = "/metrics") {
  const at = address.lastIndexOf(":");
  const began = nowMs();
  return new Promise((resolve, reject) => {
    const req = request({ host: address.slice(0, at), port: Number(address.slice(at + 1)), path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => (res.statusCode === 200 ? resolve({ ms: nowMs() - began, body }) : reject(new Error(`/metrics answered ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end();
  });
}

const value = (body, name) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(body)?.[1] ?? NaN);

/** The bridge's CPU rate over `seconds`, in ms of CPU per s of wall time, while `during` runs. */
async function cpuRate(bridge, seconds, during = null) {
  const before = await bridge.request("cpu");
  const t0 = nowMs();
  const extra = during ? await during(t0 + seconds * 1000) : await sleep(seconds * 1000);
  const after = await bridge.request("cpu");
  return { rate: (after.ms - before.ms) / ((nowMs() - t0) / 1000), extra };
}

export async function measureMetricsScrape({ nodes, seconds, everyMs }) {
  const sim = await startSim("metrics-scrape", nodes);
  try {
    const bridge = await startBridge("metrics-scrape", sim.address, { metrics: true });
    try {
      // The first sync merged and the directory whole: the figures a real scrape reads.
      const ceiling = nowMs() + 120_000;
      let first;
      for (;;) {
        first = await scrape(bridge.metrics);
        if (value(first.body, "meshtastic_keysync_syncs_total") >= 1 && value(first.body, 'meshtastic_keysync_nodes\\{where="directory"\\}') >= nodes) break;
        if (nowMs() > ceiling) throw new Error("no first sync within 120 s");
        await sleep(500);
      }
      await sleep(5_000); // the store's lazy write and the publish burst settle
      const every = (path) => async (until) => {
        const times = [];
        let size = 0;
        for (let next = nowMs(); next < until; next += everyMs) {
          await sleep(Math.max(0, next - nowMs()));
          const s = await scrape(bridge.metrics, path);
          times.push(s.ms);
          size = s.body.length;
        }
        return { times, size };
      };
      const idle = await cpuRate(bridge, seconds);
      const scraping = await cpuRate(bridge, seconds, every("/metrics"));
      // The floor of one HTTP request on this listener: /healthz reads two flags.
      const healthz = await cpuRate(bridge, seconds, every("/healthz"));
      const { times, size } = scraping.extra;
      return {
        nodes,
        seconds,
        scrapes: times.length,
        idleCpuMsPerS: idle.rate,
        scrapingCpuMsPerS: scraping.rate,
        // ms of CPU per s of wall time = tenths of a percent of one core.
        addedPercent: (scraping.rate - idle.rate) / 10,
        cpuMsPerScrape: ((scraping.rate - idle.rate) * seconds) / times.length,
        healthzCpuMsPerS: healthz.rate,
        cpuMsPerHealthz: ((healthz.rate - idle.rate) * seconds) / healthz.extra.times.length,
        scrapeMs: { median: median(times), p95: p95(times) },
        bodyBytes: size,
      };
    } finally {
      await bridge.stop();
    }
  } finally {
    await sim.stop();
  }
}

export function metricsScrapeRows(r) {
  return [
    {
      row: "16",
      what: `GET /metrics once a second for ${r.seconds} s, ${count(r.nodes)} nodes (n=${r.scrapes}): CPU added (one core), per scrape; scrape time`,
      result: `${r.addedPercent.toFixed(2)}% (${r.idleCpuMsPerS.toFixed(1)} -> ${r.scrapingCpuMsPerS.toFixed(1)} ms/s), ${r.cpuMsPerScrape.toFixed(2)} ms (GET /healthz: ${r.cpuMsPerHealthz.toFixed(2)} ms); ${ms(r.scrapeMs.median)} / ${ms(r.scrapeMs.p95)}, ${bytes(r.bodyBytes)}`,
      goal: "< 1% CPU",
      met: r.addedPercent < 1 ? "yes" : "NO",
    },
  ];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureMetricsScrape(METRICS_PLAN);
  process.stdout.write(`${renderTable(BENCH_COLUMNS, metricsScrapeRows(r))}\n\n${JSON.stringify(r)}\n`);
  process.exit(0);
}
