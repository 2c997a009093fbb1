import { describe, expect, it } from "vitest";
import { parseArgs } from "../../bench/lib/args.js";
import { median, percentile, round, slope, summarize } from "../../bench/lib/percentile.js";
import {
  addedLatency,
  chatBody,
  checkChatAnswer,
  compare,
  imbalance,
  keypoolProxyConfig,
  portkeyLoadBalanceConfig,
  procCpuMs,
  promptText,
} from "../../bench/lib/proxy-workload.js";
import { proxyChart, proxyVerdict, summaryMarkdown, type ProxyResult, type ProxyTargetResult } from "../../bench/lib/report.js";
import { barChart, escapeXml, formatNumber, lineChart, niceTicks } from "../../bench/lib/svg-chart.js";
import { countWithin, evenArrivals, oracleSchedule, poissonArrivals } from "../../bench/lib/workload.js";

describe("percentile (nearest rank)", () => {
  it("returns measured values", () => {
    const sorted = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(sorted, 50)).toBe(5);
    expect(percentile(sorted, 90)).toBe(9);
    expect(percentile(sorted, 99)).toBe(10);
    expect(percentile(sorted, 100)).toBe(10);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile([42], 99)).toBe(42);
  });

  it("is NaN for no samples and refuses p outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], Number.NaN)).toThrow(RangeError);
  });

  it("summarize sorts a copy and leaves the input alone", () => {
    const samples = [5, 1, 4, 2, 3];
    const s = summarize(samples);
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(s).toMatchObject({ count: 5, min: 1, max: 5, p50: 3, p99: 5, mean: 3 });
    expect(summarize([]).count).toBe(0);
    expect(summarize([]).p99).toBeNaN();
  });

  it("slope and round", () => {
    expect(slope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
    expect(slope([[1, 1]])).toBe(0);
    expect(slope([[1, 1], [1, 5]])).toBe(0);
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(Number.POSITIVE_INFINITY)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe("workload", () => {
  it("Poisson arrivals are seeded, ascending, within the duration, near the rate", () => {
    const a = poissonArrivals(50, 60_000, 7);
    expect(poissonArrivals(50, 60_000, 7)).toEqual(a);
    expect(poissonArrivals(50, 60_000, 8)).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]).toBeGreaterThanOrEqual(a[i - 1] as number);
    expect(a[a.length - 1]).toBeLessThan(60_000);
    expect(a.length).toBeGreaterThan(2700);
    expect(a.length).toBeLessThan(3300);
    expect(poissonArrivals(0, 1000, 1)).toEqual([]);
  });

  it("the oracle never starts more than limit requests in any window of a key", () => {
    const arrivals = poissonArrivals(60, 30_000, 3);
    const o = { keys: 3, limit: 10, windowMs: 1000, budgetMs: 2000 };
    const res = oracleSchedule(arrivals, o);
    expect(res.startedAt.length + res.dropped).toBe(arrivals.length);
    // Capacity is 30 per second: at most 30 starts in any 1 s interval, over all keys.
    const starts = [...res.startedAt].sort((x, y) => x - y);
    for (let i = 0; i + 30 < starts.length; i++) expect((starts[i + 30] as number) - (starts[i] as number)).toBeGreaterThanOrEqual(1000 - 1e-6);
  });

  it("the oracle serves evenly spaced arrivals at capacity without delay, and drops what exceeds the budget", () => {
    const even = evenArrivals(10, 5000);
    const res = oracleSchedule(even, { keys: 1, limit: 10, windowMs: 1000, budgetMs: 0 });
    expect(res.dropped).toBe(0);
    expect(res.startedAt).toEqual(even);
    const burst = Array.from({ length: 15 }, () => 0);
    const r2 = oracleSchedule(burst, { keys: 1, limit: 10, windowMs: 1000, budgetMs: 500 });
    expect(r2.startedAt).toHaveLength(10);
    expect(r2.dropped).toBe(5);
    const r3 = oracleSchedule(burst, { keys: 1, limit: 10, windowMs: 1000, budgetMs: 1000 });
    expect(r3.startedAt.filter((t) => t === 1000)).toHaveLength(5);
  });

  it("countWithin counts a half-open interval", () => {
    expect(countWithin([0, 1, 2, 3], 1, 3)).toBe(2);
  });
});

describe("svg charts", () => {
  it("escapes text", () => {
    expect(escapeXml(`a<b>&"c'`)).toBe("a&lt;b&gt;&amp;&quot;c&#39;");
  });

  it("formats numbers compactly", () => {
    expect(formatNumber(12345.6)).toBe("12,346");
    expect(formatNumber(123.4)).toBe("123");
    expect(formatNumber(12.34)).toBe("12.3");
    expect(formatNumber(1.5)).toBe("1.5");
    expect(formatNumber(0)).toBe("0");
    expect(formatNumber(0.01234)).toBe("0.0123");
  });

  it("niceTicks covers the range with round steps", () => {
    expect(niceTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0, 7)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(5, 5)).toEqual([5]);
  });

  it("a bar chart has one bar per value, escaped labels, and reference lines", () => {
    const svg = barChart({
      title: "T <1>",
      unit: "%",
      bars: [
        { label: "a & b", value: 98.5, note: "0 × 429" },
        { label: "c", value: 20 },
      ],
      references: [{ value: 98, label: "target" }],
    });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg.match(/<rect x=/g)).toHaveLength(2);
    expect(svg).toContain("a &amp; b");
    expect(svg).toContain("T &lt;1&gt;");
    expect(svg).toContain("98.5%");
    expect(svg).toContain("stroke-dasharray");
    expect(svg).not.toContain("NaN");
  });

  it("a log-scale bar chart handles values over orders of magnitude", () => {
    const svg = barChart({ title: "t", unit: "µs", log: true, bars: [{ label: "5", value: 10 }, { label: "100000", value: 14_000 }] });
    expect(svg).not.toContain("NaN");
    expect(svg).toContain("logarithmic scale");
  });

  it("a line chart draws one path per series with points", () => {
    const svg = lineChart({
      title: "soak",
      xLabel: "s",
      yLabel: "MB",
      series: [
        { name: "heap", points: [[0, 10], [1, 11], [2, 12]] },
        { name: "empty", points: [] },
      ],
    });
    expect(svg.match(/<path /g)).toHaveLength(1);
    expect(svg).not.toContain("NaN");
  });
});

describe("parseArgs", () => {
  it("reads numbers, strings and flags by kebab-case name", () => {
    expect(parseArgs(["--duration-ms", "5", "--name", "x", "--dry"], { durationMs: 1, name: "a", dry: false })).toEqual({
      durationMs: 5,
      name: "x",
      dry: true,
    });
  });

  it("refuses unknown options and bad numbers", () => {
    expect(() => parseArgs(["--nope", "1"], { duration: 1 })).toThrow(/unknown option --nope/);
    expect(() => parseArgs(["--duration", "x"], { duration: 1 })).toThrow(/expected a number/);
    expect(() => parseArgs(["--duration"], { duration: 1 })).toThrow(/needs a value/);
  });
});

describe("proxy benchmark helpers", () => {
  it("builds the same request body every time, of the asked prompt size", () => {
    expect(promptText(1000)).toHaveLength(1000);
    expect(promptText(10)).toHaveLength(10);
    const body = chatBody({ promptChars: 200, maxTokens: 16, stream: false });
    expect(body).toBe(chatBody({ promptChars: 200, maxTokens: 16, stream: false }));
    const parsed = JSON.parse(body) as { max_tokens: number; messages: { content: string }[]; stream?: boolean };
    expect(parsed.max_tokens).toBe(16);
    expect(parsed.messages[0]?.content).toHaveLength(200);
    expect(parsed.stream).toBeUndefined();
    expect((JSON.parse(chatBody({ promptChars: 200, maxTokens: 16, stream: true })) as { stream?: boolean }).stream).toBe(true);
  });

  it("accepts only complete, successful completions", () => {
    const ok = JSON.stringify({ object: "chat.completion", choices: [{ message: { content: "hi" } }] });
    expect(checkChatAnswer(200, ok, false)).toBeUndefined();
    expect(checkChatAnswer(429, ok, false)).toBe("HTTP 429");
    expect(checkChatAnswer(200, "{", false)).toBe("body is not JSON");
    expect(checkChatAnswer(200, JSON.stringify({ object: "chat.completion", choices: [] }), false)).toBe("no completion text");
    expect(checkChatAnswer(200, JSON.stringify({ status: "failure" }), false)).toBe("not a chat.completion");
    const stream = 'data: {"object":"chat.completion.chunk"}\n\ndata: [DONE]\n\n';
    expect(checkChatAnswer(200, stream, true)).toBeUndefined();
    expect(checkChatAnswer(200, 'data: {"object":"chat.completion.chunk"}\n\n', true)).toMatch(/DONE/);
    expect(checkChatAnswer(200, "data: [DONE]\n\n", true)).toMatch(/chunk/);
  });

  it("configures both proxies over the same keys", () => {
    const secrets = ["sk-a", "sk-b"];
    const pk = portkeyLoadBalanceConfig(secrets, "http://127.0.0.1:9/v1");
    expect(pk.strategy.mode).toBe("loadbalance");
    expect(pk.targets.map((t) => t.api_key)).toEqual(secrets);
    expect(pk.targets.every((t) => t.provider === "openai" && t.custom_host === "http://127.0.0.1:9/v1")).toBe(true);
    const kp = keypoolProxyConfig(secrets, "http://127.0.0.1:9/v1", { rpm: 10 }) as { openai: { base_url: string; rpm?: number; tpm?: number; keys: { key: string }[] } };
    expect(kp.openai.base_url).toBe("http://127.0.0.1:9/v1");
    expect(kp.openai.rpm).toBe(10);
    expect("tpm" in kp.openai).toBe(false);
    expect(kp.openai.keys.map((k) => k.key)).toEqual(secrets);
  });

  it("reads CPU time from /proc/<pid>/stat, whatever the command name", () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    // Fields 14 (utime) and 15 (stime) are 14 and 15 here: 29 ticks = 290 ms at 100 ticks per second.
    expect(procCpuMs(`123 (node) ${fields.join(" ")}`)).toBe(290);
    expect(procCpuMs(`123 (a b) c) ${fields.join(" ")}`)).toBe(290);
    expect(procCpuMs("garbage")).toBeUndefined();
    expect(procCpuMs("1 (x) S 1 2")).toBeUndefined();
  });

  it("median, imbalance, added latency and comparisons", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(imbalance([10, 10, 10])).toBe(1);
    expect(imbalance([5, 15])).toBe(1.5);
    expect(imbalance([])).toBeNaN();
    expect(addedLatency({ p50: 15, p99: 30 }, { p50: 10, p99: 12 })).toEqual({ p50: 5, p99: 18 });
    expect(compare(200, 100, "higher")).toEqual({ winner: "keypool", factor: 2 });
    expect(compare(20, 10, "lower")).toEqual({ winner: "peer", factor: 0.5 });
    expect(compare(101, 100, "higher", 0.05).winner).toBe("tie");
    expect(compare(0, 100, "higher").winner).toBe("tie");
  });
});

describe("proxy report", () => {
  const target = (rps: number, p50: number, p99: number, errors = 0): ProxyTargetResult => ({
    requestsPerSecond: rps,
    latencyUs: { p50, p90: p50, p99 },
    firstByteUs: { p50, p99 },
    errors,
    errorReasons: errors > 0 ? { "HTTP 500": errors } : {},
    upstream429s: 0,
    perKey: [10, 10],
    keyImbalance: 1,
    proxyCpuUsPerRequest: 500,
    proxyCpuCores: 0.5,
  });
  const result = (portkeyRps: number, errors = 0): ProxyResult => ({
    startedAt: "2026-12-04T04:00:00.000Z",
    machine: { node: "v20", v8: "x", platform: "linux", arch: "x64", cpus: 2, cpuModel: "cpu", memoryGiB: 1, loadAverage1m: 0.5 },
    loadAverage: { start: [0.5, 0.4, 0.3], end: [1, 0.5, 0.4] },
    setup: {
      keys: 2,
      simulator: { latencyMs: 10 },
      request: { promptChars: 100, maxTokens: 16, bodyBytes: 180 },
      warmupMs: 1000,
      durationMs: 5000,
      rounds: 1,
      portkey: { version: "1.15.2" },
    },
    proxyRssMBAtEnd: { keypool: 100, portkey: 150 },
    errors,
    scenarios: [
      {
        name: "low-load",
        title: "open loop at 50 req/s",
        mode: "open",
        stream: false,
        concurrency: 0,
        rate: 50,
        targets: { direct: target(50, 10_000, 12_000), keypool: target(50, 11_000, 13_000), portkey: target(50, 12_000, 20_000) },
        addedLatencyUs: { keypool: { p50: 1000, p99: 1000 }, portkey: { p50: 2000, p99: 8000 } },
      },
      {
        name: "closed-16",
        title: "closed loop, 16 in flight",
        mode: "closed",
        stream: false,
        concurrency: 16,
        rate: 0,
        targets: { direct: target(1000, 10_000, 12_000), keypool: target(800, 15_000, 30_000), portkey: target(portkeyRps, 30_000, 50_000, errors) },
        addedLatencyUs: {},
      },
    ],
  });

  it("judges throughput and latency scenario by scenario", () => {
    const v = proxyVerdict(result(400));
    expect(v.throughputMet).toBe(true);
    expect(v.latencyMet).toBe(true);
    expect(v.throughput[0]?.ratio).toBe(2);
    const worse = proxyVerdict(result(900));
    expect(worse.throughputMet).toBe(false);
    expect(proxyVerdict({ ...result(400), scenarios: [] }).throughputMet).toBeUndefined();
  });

  it("charts the closed loops and writes section 4, saying when requests failed", () => {
    const svg = proxyChart(result(400));
    expect(svg.match(/<rect x=/g)).toHaveLength(3);
    expect(svg).toContain("@portkey-ai/gateway");
    expect(svg).not.toContain("NaN");
    const md = summaryMarkdown({ proxy: result(400) });
    expect(md).toContain("## 4. Proxy vs @portkey-ai/gateway");
    expect(md).toContain("+1.00 / +1.00");
    expect(md).toContain("keypool faster in every closed loop");
    expect(md).toContain("Every request of the run was answered 200");
    expect(md).toContain("![proxy](proxy.svg)");
    const failed = summaryMarkdown({ proxy: result(400, 7) });
    expect(failed).toContain("This run had 7 failed requests");
    expect(failed).toContain("**7** (7 × HTTP 500)");
    expect(summaryMarkdown({})).toContain("Not run yet");
  });
});
