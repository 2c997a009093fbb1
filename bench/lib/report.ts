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
  /** Broker runs since the server's CPU was measured. */
  readonly serverCpuUsPerPair?: number | undefined;
}

export interface BrokerResult {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly setup: { readonly concurrency: number; readonly durationMs: number };
  readonly runs: readonly {
    readonly keys: number;
    readonly closedLoop: {
      readonly noop: LoadResult;
      readonly keypool: LoadResult;
      readonly ratio: number;
      /** Server CPU per pair, keypool over no-op (results from before it was measured lack it). */
      readonly cpuPerPairRatio?: number | undefined;
    };
    /** Left out by --closed-only. */
    readonly openLoop?: {
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
    /** Absent in results written before the promise API was measured beside the synchronous one. */
    readonly nsPerPairPromises?: number | undefined;
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

export type ProxyTargetName = "direct" | "keypool" | "portkey";

export interface ProxyTargetResult {
  readonly requestsPerSecond: number;
  readonly latencyUs: { readonly p50: number; readonly p90: number; readonly p99: number };
  readonly firstByteUs: { readonly p50: number; readonly p99: number };
  readonly errors: number;
  readonly errorReasons: Readonly<Record<string, number>>;
  readonly upstream429s: number;
  readonly perKey: readonly number[];
  readonly keyImbalance: number;
  readonly proxyCpuUsPerRequest?: number | undefined;
  readonly proxyCpuCores?: number | undefined;
}

export interface ProxyScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly mode: "open" | "closed";
  readonly stream: boolean;
  readonly concurrency: number;
  readonly rate: number;
  readonly targets: Partial<Record<ProxyTargetName, ProxyTargetResult>>;
  readonly addedLatencyUs: Partial<Record<"keypool" | "portkey", LatencySummary>>;
}

export interface ProxyResult {
  readonly startedAt: string;
  readonly machine: Machine;
  readonly loadAverage?: { readonly start: readonly number[]; readonly end: readonly number[] } | undefined;
  readonly setup: {
    readonly keys: number;
    readonly simulator: { readonly latencyMs: number };
    readonly request: { readonly promptChars: number; readonly maxTokens: number; readonly bodyBytes: number };
    readonly warmupMs: number;
    readonly durationMs: number;
    readonly rounds: number;
    readonly portkey: { readonly version: string };
  };
  readonly proxyRssMBAtEnd?: Readonly<Record<string, number | undefined>> | undefined;
  readonly errors: number;
  readonly scenarios: readonly ProxyScenarioResult[];
}

/** What the summary reads of one fleet of `bench/results/fleet.json`. */
export interface FleetRunSummary {
  readonly store: string;
  readonly sidecars: number;
  readonly closedLoop: {
    readonly pairsPerSecond: number;
    readonly serverCpuUsPerPair: number;
    readonly acquireLatencyUs: { readonly p50: number; readonly p99: number };
    readonly redis?: { readonly cpuUsPerPair: number; readonly scriptCallsPerPair: number; readonly scriptCallsPerPairNet: number } | undefined;
  };
  readonly openLoop: { readonly acquireLatencyUs: { readonly p50: number; readonly p99: number } };
  readonly goodput: { readonly successes: number; readonly offered: number; readonly simulator429: number };
}

export interface FleetResult {
  readonly machine: Machine;
  readonly startedAt: string;
  readonly setup: { readonly latencyRate: number; readonly goodput: { readonly offeredLoad: number } };
  readonly runs: readonly FleetRunSummary[];
}

export interface AllResults {
  readonly goodput?: GoodputResult | undefined;
  readonly broker?: BrokerResult | undefined;
  readonly balancer?: BalancerResult | undefined;
  readonly proxy?: ProxyResult | undefined;
  readonly soak?: SoakResult | undefined;
  readonly soakLong?: SoakResult | undefined;
  readonly fleet?: FleetResult | undefined;
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

const PROXY_LABELS: Record<ProxyTargetName, string> = {
  direct: "direct (ceiling)",
  keypool: "keypool proxy",
  portkey: "@portkey-ai/gateway",
};
const PROXY_COLORS: Record<ProxyTargetName, string> = { direct: "#9ca3af", keypool: "#2563eb", portkey: "#f59e0b" };
const PROXY_ORDER: readonly ProxyTargetName[] = ["direct", "keypool", "portkey"];

/** Throughput of every target in the closed-loop scenarios, with their latency as notes. */
export function proxyChart(r: ProxyResult): string {
  return barChart({
    title: "Proxy vs @portkey-ai/gateway: chat completions per second (closed loop)",
    unit: "req/s",
    bars: r.scenarios
      .filter((s) => s.mode === "closed")
      .flatMap((s) =>
        PROXY_ORDER.flatMap((name) => {
          const t = s.targets[name];
          if (t === undefined) return [];
          return [
            {
              label: `${PROXY_LABELS[name]}, ${s.concurrency} in flight${s.stream ? ", streamed" : ""}`,
              value: t.requestsPerSecond,
              note: `p50 ${ms(t.latencyUs.p50)} / p99 ${ms(t.latencyUs.p99)} ms${t.errors > 0 ? `, ${t.errors} errors` : ""}`,
              color: PROXY_COLORS[name],
            },
          ];
        }),
      ),
  });
}

export interface ProxyVerdict {
  /** keypool's throughput over the peer's, per closed-loop scenario. */
  readonly throughput: readonly { readonly scenario: string; readonly keypool: number; readonly portkey: number; readonly ratio: number }[];
  /** p50 and p99 of both, per scenario (open and closed loops). */
  readonly latency: readonly {
    readonly scenario: string;
    readonly keypool: LatencySummary;
    readonly portkey: LatencySummary;
  }[];
  /** true when keypool did more requests per second in every closed-loop scenario; undefined when nothing compares. */
  readonly throughputMet: boolean | undefined;
  /** true when keypool's p50 and p99 were both lower in every scenario. */
  readonly latencyMet: boolean | undefined;
  /** Failed requests in the run, of any target. */
  readonly errors: number;
}

/** Whether keypool's proxy beat the peer, scenario by scenario. */
export function proxyVerdict(r: ProxyResult): ProxyVerdict {
  const throughput: { scenario: string; keypool: number; portkey: number; ratio: number }[] = [];
  const latency: { scenario: string; keypool: LatencySummary; portkey: LatencySummary }[] = [];
  for (const s of r.scenarios) {
    const k = s.targets.keypool;
    const p = s.targets.portkey;
    if (k === undefined || p === undefined) continue;
    if (s.mode === "closed") {
      throughput.push({ scenario: s.title, keypool: k.requestsPerSecond, portkey: p.requestsPerSecond, ratio: p.requestsPerSecond > 0 ? k.requestsPerSecond / p.requestsPerSecond : Number.POSITIVE_INFINITY });
    }
    latency.push({ scenario: s.title, keypool: { p50: k.latencyUs.p50, p99: k.latencyUs.p99 }, portkey: { p50: p.latencyUs.p50, p99: p.latencyUs.p99 } });
  }
  return {
    throughput,
    latency,
    throughputMet: throughput.length === 0 ? undefined : throughput.every((t) => t.keypool > t.portkey),
    latencyMet: latency.length === 0 ? undefined : latency.every((l) => l.keypool.p50 < l.portkey.p50 && l.keypool.p99 < l.portkey.p99),
    errors: r.errors,
  };
}

const signedMs = (us: number) => `${us >= 0 ? "+" : "−"}${ms(Math.abs(us))}`;

function proxySection(r: ProxyResult): string[] {
  const st = r.setup;
  const v = proxyVerdict(r);
  const rows = r.scenarios.flatMap((s) =>
    PROXY_ORDER.flatMap((name) => {
      const t = s.targets[name];
      if (t === undefined) return [];
      const reasons = Object.entries(t.errorReasons).map(([k, n]) => `${n} × ${k}`).join(", ");
      return [
        `| ${s.title} | ${PROXY_LABELS[name]} | ${t.requestsPerSecond.toFixed(1)} | ${ms(t.latencyUs.p50)} | ${ms(t.latencyUs.p99)} | ` +
          `${t.proxyCpuUsPerRequest === undefined ? "" : `${Math.round(t.proxyCpuUsPerRequest)} (${t.proxyCpuCores} cores)`} | ` +
          `${t.perKey.join(" / ")} | ${t.errors === 0 ? "0" : `**${t.errors}** (${reasons})`}${t.upstream429s > 0 ? `, ${t.upstream429s} × 429` : ""} |`,
      ];
    }),
  );
  const open = r.scenarios.filter((s) => s.mode === "open" && s.targets.direct !== undefined);
  const rss = r.proxyRssMBAtEnd ?? {};
  const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "∞");
  return [
    "## 4. Proxy vs @portkey-ai/gateway",
    "",
    machineLine(r.machine, r.startedAt) +
      (r.loadAverage === undefined ? "" : ` (1/5/15 min: ${r.loadAverage.start.join(" / ")}; at the end ${r.loadAverage.end.join(" / ")})`),
    "",
    `${st.keys} keys; simulator latency ${st.simulator.latencyMs} ms; OpenAI chat completions with a ${st.request.promptChars}-character prompt ` +
      `(${st.request.bodyBytes}-byte body), max_tokens ${st.request.maxTokens}; ${st.warmupMs / 1000} s warm-up + ${st.durationMs / 1000} s measured per run, ` +
      `${st.rounds} round${st.rounds === 1 ? "" : "s"}${st.rounds > 1 ? " (medians)" : ""}. @portkey-ai/gateway ${st.portkey.version} with a loadbalance ` +
      "config over the same keys; keypool as `keypool serve --proxy-listen`; each in its own process, the load generator in another.",
    "",
    r.errors > 0 ? `**This run had ${r.errors} failed requests** (see the errors column); its numbers are not a clean comparison.` : "Every request of the run was answered 200 with a complete completion.",
    "",
    "| scenario | target | req/s | p50 ms | p99 ms | proxy CPU µs/request | requests per key | errors |",
    "|---|---|---:|---:|---:|---:|---|---|",
    ...rows,
    "",
    ...(open.length === 0
      ? []
      : [
          "Added latency at low load (proxy minus direct):",
          "",
          "| scenario | keypool p50 / p99 ms | @portkey-ai/gateway p50 / p99 ms |",
          "|---|---:|---:|",
          ...open.map((s) => {
            const k = s.addedLatencyUs.keypool;
            const p = s.addedLatencyUs.portkey;
            const cell = (a: LatencySummary | undefined) => (a === undefined ? "" : `${signedMs(a.p50)} / ${signedMs(a.p99)}`);
            return `| ${s.title} | ${cell(k)} | ${cell(p)} |`;
          }),
          "",
        ]),
    `- throughput: ${v.throughput.map((t) => `${t.scenario}: keypool ${ratio(t.ratio)} the gateway`).join("; ") || "not compared"} → ` +
      `${v.throughputMet === undefined ? "not compared" : v.throughputMet ? "**keypool faster in every closed loop**" : "**keypool not faster everywhere**"}`,
    `- latency: ${v.latencyMet === undefined ? "not compared" : v.latencyMet ? "**keypool's p50 and p99 lower in every scenario**" : "**keypool's p50 or p99 not lower in every scenario**"}`,
    ...(Object.keys(rss).length === 0 ? [] : [`- resident memory at the end: ${Object.entries(rss).map(([n, mb]) => `${n} ${mb ?? "?"} MB`).join(", ")}`]),
    "",
    "![proxy](proxy.svg)",
    "",
  ];
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
      "| keys | no-op pairs/s | keypool pairs/s | ratio | server CPU µs/pair, no-op / keypool (÷) | open-loop rate | no-op p50 / p99 ms | keypool p50 / p99 ms |",
      "|---:|---:|---:|---:|---:|---:|---:|---:|",
      ...b.runs.map((r) => {
        const o = r.openLoop;
        const c = r.closedLoop;
        const cpu =
          c.cpuPerPairRatio === undefined ? "" : `${c.noop.serverCpuUsPerPair ?? "?"} / ${c.keypool.serverCpuUsPerPair ?? "?"} (${c.cpuPerPairRatio.toFixed(2)})`;
        const open =
          o === undefined
            ? "| | |"
            : `${o.ratePerSecond}/s | ${ms(o.noop.latencyUs.p50)} / ${ms(o.noop.latencyUs.p99)} | ` +
              `${ms(o.keypool.latencyUs.p50)} / ${ms(o.keypool.latencyUs.p99)}` +
              `${o.keypool.pairsPerSecond < o.ratePerSecond * 0.98 ? ` (overloaded: ${o.keypool.pairsPerSecond} pairs/s done)` : ""} |`;
        return `| ${r.keys} | ${c.noop.pairsPerSecond} | ${c.keypool.pairsPerSecond} | ${c.ratio.toFixed(2)} | ${cpu} | ${open}`;
      }),
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
      "| keys | µs per acquire + report | acquire µs | report µs | through promises, µs per pair | pairs measured | bytes per key |",
      "|---:|---:|---:|---:|---:|---:|---:|",
      ...bl.rows.map(
        (r) =>
          `| ${r.keys.toLocaleString("en-US")} | ${micro(r.nsPerPair)} | ${micro(r.nsPerAcquire)} | ${micro(r.nsPerReport)} | ` +
          `${r.nsPerPairPromises === undefined ? "–" : micro(r.nsPerPairPromises)} | ${r.ops} | ${r.bytesPerKey} |`,
      ),
      "",
      "Pairs through `acquireNow` and `reportNow`, the path the gRPC service takes with the memory store; the promise API's figure is measured on a pool of its own right after.",
      "",
      (bl.growthExponent === undefined ? "" : `Time grows as keys^${bl.growthExponent} between the two largest sizes. `) +
        (bl.bytesPerEndedLease === undefined ? "" : `An ended lease is remembered in ${bl.bytesPerEndedLease} bytes.`),
      "",
      "![balancer](balancer.svg)",
      "",
    );
  }
  if (all.proxy !== undefined) {
    out.push(...proxySection(all.proxy));
  } else {
    out.push("## 4. Proxy vs @portkey-ai/gateway", "", "Not run yet: `node dist/bench/proxy.js` writes `bench/results/proxy.json`.", "");
  }
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
  const f = all.fleet;
  if (f !== undefined) {
    out.push("## 7. A fleet over one Redis", "", machineLine(f.machine, f.startedAt), "", fleetTable(f.runs, f.setup.latencyRate, f.setup.goodput.offeredLoad));
  }
  return out.join("\n");
}

/** The fleet benchmark's table, as it prints it and as the summary shows it. */
export function fleetTable(runs: readonly FleetRunSummary[], latencyRate: number, goodputLoad: number): string {
  const lat = (l: { readonly p50: number; readonly p99: number }) => `${ms(l.p50)} / ${ms(l.p99)} ms`;
  const head =
    "| store | sidecars | pairs/s | sidecars' CPU µs/pair | Redis CPU µs/pair | Redis round trips/pair, net (raw) | AcquireKey p50 / p99, closed loop | " +
    `AcquireKey p50 / p99 at ${latencyRate}/s | goodput at ${Math.round(goodputLoad * 100)}% (ok / offered, 429s) |\n` +
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  const rows = runs.map((r) => {
    const c = r.closedLoop;
    const rt = c.redis === undefined ? "–" : `${c.redis.scriptCallsPerPairNet} (${c.redis.scriptCallsPerPair})`;
    return (
      `| ${r.store} | ${r.sidecars} | ${c.pairsPerSecond} | ${c.serverCpuUsPerPair} | ${c.redis?.cpuUsPerPair ?? "–"} | ${rt} | ` +
      `${lat(c.acquireLatencyUs)} | ${lat(r.openLoop.acquireLatencyUs)} | ${r.goodput.successes} / ${r.goodput.offered}, ${r.goodput.simulator429} |\n`
    );
  });
  return head + rows.join("");
}
