/**
 * Charts and the Markdown summary, built from the JSON results. Pure: results
 * in, documents out (chart.ts does the reading and writing).
 */
import { barChart, lineChart } from "./svg-chart.js";
import type { Machine } from "./results.js";

interface LatencySummary {
  readonly p50: number;
  readonly p99: number;
}

export interface GoodputResult {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly workload: {
    readonly keys: number;
    readonly limitPerWindow: number;
    readonly windowMs: number;
    readonly capacityPerSecond: number;
    readonly offeredLoad: number;
    readonly arrivals: number;
    readonly durationSeconds: number;
    readonly budgetMs: number;
    readonly keypoolWindowMarginMs: number;
  };
  readonly capacityInRun: number;
  readonly oracle: { readonly successesInRun: number; readonly successesInRunWithKeypoolMargin: number };
  readonly strategies: readonly {
    readonly strategy: string;
    readonly label: string;
    readonly offered: number;
    readonly successesInRun: number;
    readonly goodputFraction: number;
    readonly fractionOfBestPossible: number;
    readonly successesPerMinute: number;
    readonly rateLimited429: number;
    readonly refusedByBroker: number;
    readonly gaveUp: number;
    readonly failedOn429: number;
    readonly otherErrors: number;
    readonly latencyMs: LatencySummary;
  }[];
}

interface LoadResult {
  readonly pairsPerSecond: number;
  readonly latencyUs: LatencySummary;
  readonly errors: number;
}

export interface BrokerResult {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly setup: { readonly concurrency: number; readonly durationMs: number };
  readonly runs: readonly {
    readonly keys: number;
    readonly closedLoop: { readonly noop: LoadResult; readonly keypool: LoadResult; readonly ratio: number };
    readonly openLoop: {
      readonly ratePerSecond: number;
      readonly noop: LoadResult;
      readonly keypool: LoadResult;
      readonly addedLatencyUs: LatencySummary;
    };
    readonly openLoopAtHalfKeypoolCeiling?: {
      readonly ratePerSecond: number;
      readonly noop: LoadResult;
      readonly keypool: LoadResult;
    };
  }[];
}

export interface BalancerResult {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly rows: readonly {
    readonly keys: number;
    readonly ops: number;
    readonly nsPerPair: number;
    readonly nsPerAcquire: number;
    readonly nsPerReport: number;
    readonly bytesPerKey: number;
    readonly bytesPerRecentRequest: number;
  }[];
  readonly growthExponent?: number | undefined;
  readonly bytesPerEndedLease?: number | undefined;
}

export interface SoakResult {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly setup: { readonly durationSeconds: number; readonly ratePerSecond: number; readonly keys: number; readonly subscribers: number };
  readonly summary: {
    readonly calls: number;
    readonly ok: number;
    readonly injectedFailures: number;
    readonly refusedByBroker: number;
    readonly unexpectedErrors: number;
    readonly natural429s: number;
    readonly streamStats: string;
    readonly streamMessages: number;
    readonly heapUsedMB: { readonly first?: number | undefined; readonly last?: number | undefined; readonly max: number };
    readonly rssMB: { readonly first?: number | undefined; readonly last?: number | undefined; readonly max: number };
    readonly heapSlopeMBPerMin: number;
    readonly eventLoopDelayP99Ms: { readonly median: number; readonly max: number };
    readonly callLatencyMs: { readonly p50: number; readonly p99: number };
  };
  readonly samples: readonly { readonly t: number; readonly heapUsedMB: number; readonly rssMB: number; readonly eventLoopDelayP99Ms: number }[];
  readonly intervals: readonly { readonly t: number; readonly errors: number; readonly injected: number; readonly refused: number }[];
}

export interface AllResults {
  readonly goodput?: GoodputResult | undefined;
  readonly broker?: BrokerResult | undefined;
  readonly balancer?: BalancerResult | undefined;
  readonly soak?: SoakResult | undefined;
  readonly soakLong?: SoakResult | undefined;
}

const pct = (f: number) => `${(f * 100).toFixed(1)}%`;
const ms = (us: number) => (us / 1000).toFixed(2);
const micro = (ns: number) => (ns / 1000 < 100 ? (ns / 1000).toFixed(1) : Math.round(ns / 1000).toLocaleString("en-US"));

export function goodputChart(r: GoodputResult): string {
  return barChart({
    title: `Goodput at ${Math.round(r.workload.offeredLoad * 100)}% of capacity: successful calls / theoretical capacity`,
    unit: "%",
    max: 105,
    bars: r.strategies.map((s) => ({
      label: s.label,
      value: s.goodputFraction * 100,
      note: `${s.rateLimited429} × 429, p99 ${Math.round(s.latencyMs.p99)} ms`,
      color: s.strategy === "keypool" ? "#2563eb" : "#9ca3af",
    })),
    references: [
      { value: 98, label: "target 98%" },
      { value: (r.oracle.successesInRun / r.capacityInRun) * 100, label: "best possible" },
    ],
    format: (v) => v.toFixed(1),
  });
}

export function brokerChart(r: BrokerResult): string {
  return barChart({
    title: "Broker overhead: AcquireKey + ReportUsage pairs per second (closed loop)",
    unit: "pairs/s",
    bars: r.runs.flatMap((run) => [
      { label: `no-op ceiling (${run.keys}-key run)`, value: run.closedLoop.noop.pairsPerSecond, color: "#9ca3af" },
      {
        label: `keypool, ${run.keys.toLocaleString("en-US")} keys`,
        value: run.closedLoop.keypool.pairsPerSecond,
        note: `${Math.round(run.closedLoop.ratio * 100)}% of ceiling`,
        color: "#2563eb",
      },
    ]),
  });
}

export function balancerChart(r: BalancerResult): string {
  return barChart({
    title: "Balancer alone: microseconds per acquire + report, in process",
    unit: "µs",
    log: true,
    bars: r.rows.map((row) => ({ label: `${row.keys.toLocaleString("en-US")} keys`, value: row.nsPerPair / 1000, color: "#2563eb" })),
    references: [{ value: 5, label: "a few µs" }],
  });
}

export function soakChart(r: SoakResult): string {
  return lineChart({
    title: `Soak: ${r.setup.durationSeconds} s at ${r.setup.ratePerSecond} calls/s: server memory and event-loop delay`,
    xLabel: "seconds",
    yLabel: "MB / ms",
    series: [
      { name: "heap used after GC (MB)", points: r.samples.map((s) => [s.t, s.heapUsedMB] as const) },
      { name: "event-loop delay p99 (ms)", points: r.samples.map((s) => [s.t, s.eventLoopDelayP99Ms] as const) },
      { name: "unexpected errors", points: r.intervals.map((s) => [s.t, s.errors] as const) },
    ],
  });
}

function machineLine(m: Machine, startedAt: string): string {
  return `${startedAt.slice(0, 16).replace("T", " ")} UTC · Node ${m.node} · ${m.cpus} × ${m.cpuModel} · load average at start ${m.loadAverage1m}`;
}

/** The Markdown summary of whatever results exist. */
export function summaryMarkdown(all: AllResults): string {
  const out: string[] = ["# keypool benchmark results", "", "Generated by `node dist/bench/chart.js` from `bench/results/*.json`.", ""];
  const g = all.goodput;
  if (g !== undefined) {
    const w = g.workload;
    out.push(
      "## 1. Goodput under rate limits",
      "",
      machineLine(g.machine, g.startedAt),
      "",
      `${w.keys} keys × ${w.limitPerWindow} requests per ${w.windowMs / 1000} s (${w.capacityPerSecond} req/s), ` +
        `${w.arrivals} Poisson arrivals at ${Math.round(w.offeredLoad * 100)}% of capacity over ${w.durationSeconds} s, ` +
        `${w.budgetMs / 1000} s budget per request. Capacity in the run: ${g.capacityInRun} calls; ` +
        `best possible for this workload: ${g.oracle.successesInRun} (${g.oracle.successesInRunWithKeypoolMargin} with keypool's ` +
        `${w.keypoolWindowMarginMs} ms window margin).`,
      "",
      "| strategy | ok in run | of capacity | of best possible | 429s | refused | gave up / failed | p50 ms | p99 ms |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...g.strategies.map(
        (s) =>
          `| ${s.label} | ${s.successesInRun} | ${pct(s.goodputFraction)} | ${pct(s.fractionOfBestPossible)} | ${s.rateLimited429} | ` +
          `${s.refusedByBroker} | ${s.gaveUp + s.failedOn429 + s.otherErrors} | ${Math.round(s.latencyMs.p50)} | ${Math.round(s.latencyMs.p99)} |`,
      ),
      "",
      "![goodput](goodput.svg)",
      "",
    );
  }
  const b = all.broker;
  if (b !== undefined) {
    out.push(
      "## 2. Broker overhead",
      "",
      machineLine(b.machine, b.startedAt),
      "",
      `Closed loop, ${b.setup.concurrency} pairs in flight, ${b.setup.durationMs / 1000} s measured; open loop at half the no-op ceiling.`,
      "",
      "| keys | no-op pairs/s | keypool pairs/s | ratio | open-loop rate | no-op p50 / p99 ms | keypool p50 / p99 ms |",
      "|---:|---:|---:|---:|---:|---:|---:|",
      ...b.runs.map(
        (r) =>
          `| ${r.keys} | ${r.closedLoop.noop.pairsPerSecond} | ${r.closedLoop.keypool.pairsPerSecond} | ${r.closedLoop.ratio.toFixed(2)} | ` +
          `${r.openLoop.ratePerSecond}/s | ${ms(r.openLoop.noop.latencyUs.p50)} / ${ms(r.openLoop.noop.latencyUs.p99)} | ` +
          `${ms(r.openLoop.keypool.latencyUs.p50)} / ${ms(r.openLoop.keypool.latencyUs.p99)}` +
          `${r.openLoop.keypool.pairsPerSecond < r.openLoop.ratePerSecond * 0.98 ? ` (overloaded: ${r.openLoop.keypool.pairsPerSecond} pairs/s done)` : ""} |`,
      ),
      ...b.runs.flatMap((r) => {
        const h = r.openLoopAtHalfKeypoolCeiling;
        if (h === undefined) return [];
        return [
          `| ${r.keys} (at half keypool's ceiling) | | | | ${h.ratePerSecond}/s | ${ms(h.noop.latencyUs.p50)} / ${ms(h.noop.latencyUs.p99)} | ` +
            `${ms(h.keypool.latencyUs.p50)} / ${ms(h.keypool.latencyUs.p99)} |`,
        ];
      }),
      "",
      "![broker overhead](broker-overhead.svg)",
      "",
    );
  }
  const bl = all.balancer;
  if (bl !== undefined) {
    out.push(
      "## 3. Balancer alone",
      "",
      machineLine(bl.machine, bl.startedAt),
      "",
      "| keys | µs per acquire + report | acquire µs | report µs | pairs measured | bytes per key |",
      "|---:|---:|---:|---:|---:|---:|",
      ...bl.rows.map(
        (r) =>
          `| ${r.keys.toLocaleString("en-US")} | ${micro(r.nsPerPair)} | ${micro(r.nsPerAcquire)} | ${micro(r.nsPerReport)} | ${r.ops} | ${r.bytesPerKey} |`,
      ),
      "",
      (bl.growthExponent === undefined ? "" : `Time grows as keys^${bl.growthExponent} between the two largest sizes. `) +
        (bl.bytesPerEndedLease === undefined ? "" : `An ended lease is remembered in ${bl.bytesPerEndedLease} bytes.`),
      "",
      "![balancer](balancer.svg)",
      "",
    );
  }
  out.push(
    "## 4. Proxy vs @portkey-ai/gateway",
    "",
    "**Pending**: `keypool serve --proxy-listen` does not exist yet. No result is measured or shown.",
    "",
  );
  for (const [title, s, chart] of [
    ["5. Soak (short run)", all.soak, "soak.svg"],
    ["5. Soak (long run)", all.soakLong, "soak-long.svg"],
  ] as const) {
    if (s === undefined) continue;
    const m = s.summary;
    out.push(
      `## ${title}`,
      "",
      machineLine(s.machine, s.startedAt),
      "",
      `${s.setup.durationSeconds} s at ${s.setup.ratePerSecond} calls/s over ${s.setup.keys} keys; StreamStats: ${m.streamStats}` +
        (s.setup.subscribers > 0 ? ` (${s.setup.subscribers} subscribers, ${m.streamMessages} snapshots received)` : "") +
        ".",
      "",
      `- calls: ${m.calls}, ok: ${m.ok}, injected failures: ${m.injectedFailures}, refused: ${m.refusedByBroker}, ` +
        `unexpected errors: ${m.unexpectedErrors}, 429s not injected: ${m.natural429s}`,
      `- heap used after GC: ${m.heapUsedMB.first} → ${m.heapUsedMB.last} MB (max ${m.heapUsedMB.max}), slope after the first fifth ${m.heapSlopeMBPerMin} MB/min`,
      `- rss: ${m.rssMB.first} → ${m.rssMB.last} MB (max ${m.rssMB.max})`,
      `- event-loop delay p99 (beyond the 10 ms sampling interval): median ${m.eventLoopDelayP99Ms.median} ms, worst ${m.eventLoopDelayP99Ms.max} ms`,
      `- call latency (acquire → provider → report): p50 ${m.callLatencyMs.p50} ms, p99 ${m.callLatencyMs.p99} ms`,
      "",
      `![soak](${chart})`,
      "",
    );
  }
  return out.join("\n");
}
