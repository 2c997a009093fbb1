import { describe, expect, it } from "vitest";
import { parseArgs } from "../../bench/lib/args.js";
import { percentile, round, slope, summarize } from "../../bench/lib/percentile.js";
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
