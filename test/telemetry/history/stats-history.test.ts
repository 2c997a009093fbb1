import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../support/manual-clock.js";
import { FIELDS } from "../../../src/telemetry/history/bucket-fields.js";
import { parseHistoryQuery, type RawHistoryQuery } from "../../../src/telemetry/history/history-query.js";
import { HistorySeries, RESOLUTIONS, SERIES_BYTES } from "../../../src/telemetry/history/history-series.js";
import type { HistoryDirectory } from "../../../src/telemetry/history/history-types.js";
import { DEFAULT_MAX_MODELS, keyBytesBound, StatsHistory } from "../../../src/telemetry/history/stats-history.js";

// A minute boundary, so that 10 s and 5 min buckets start at known times.
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const directory: HistoryDirectory = {
  providerNames: () => ["openai", "gemini"],
  keysOf: (p) => new Map(p === "openai" ? [["k1", "…0001"], ["k2", "…0002"]] : []),
};

function setup(start = T0) {
  const clock = new ManualClock(start);
  const history = new StatsHistory({ clock, configGeneration: 1 });
  const read = (q: RawHistoryQuery) => history.read(parseHistoryQuery({ provider: "openai", ...q }), directory);
  return { clock, history, read };
}

describe("statistics history buckets", () => {
  it("counts each event in the 10 s bucket it happened in, and not in its neighbours", () => {
    const { clock, history, read } = setup();
    clock.advance(9_999);
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    clock.advance(1);
    history.recordAcquired("openai", "k1", "gpt-4o", 250);
    history.recordEnded("openai", "k1", "gpt-4o", "success", 100, 20, 480);
    clock.advance(10_000);
    history.recordEnded("openai", "k1", "gpt-4o", "rate_limited");
    const res = read({ rangeMs: 60_000 });
    expect(res.resolutionMs).toBe(10_000);
    expect(res.rangeEnd).toBe(T0 + 30_000);
    expect(res.rangeStart).toBe(T0 - 30_000);
    const at = (t: number) => res.buckets.find((b) => b.start === T0 + t);
    expect(at(0)).toMatchObject({ requests: 1, waits: 0, successes: 0 });
    expect(at(10_000)).toMatchObject({ requests: 1, waits: 1, waitMs: 250, successes: 1, promptTokens: 100, completionTokens: 20, latencySamples: 1 });
    expect(at(20_000)).toMatchObject({ requests: 0, rateLimited: 1 });
    expect(res.buckets.map((b) => b.requests)).toEqual([0, 0, 0, 1, 1, 0]);
  });

  it("sums 10 s buckets into a coarser resolution aligned on its own width", () => {
    const { clock, history, read } = setup();
    for (let i = 0; i < 12; i++) {
      history.recordAcquired("openai", "k1", "", 0);
      clock.advance(10_000);
    }
    const res = read({ rangeMs: 3_600_000, resolutionMs: 60_000 });
    expect(res.buckets).toHaveLength(60);
    expect(res.buckets.slice(-3).map((b) => [b.start - T0, b.requests])).toEqual([
      [0, 6],
      [60_000, 6],
      [120_000, 0],
    ]);
  });

  it("keeps 10 s buckets for an hour and 5 min buckets for a day, then forgets", () => {
    const { clock, history, read } = setup();
    history.recordAcquired("openai", "k1", "", 0);
    clock.advance(3_590_000);
    expect(read({ rangeMs: 3_600_000 }).buckets[0]).toMatchObject({ start: T0, requests: 1, recorded: true });
    clock.advance(10_000);
    const hour = read({ rangeMs: 3_600_000 });
    expect(hour.buckets[0]?.start).toBe(T0 + 10_000);
    expect(hour.buckets.reduce((n, b) => n + b.requests, 0)).toBe(0);
    // Past the hour, the day's 5 min buckets still have it.
    const day = read({ rangeMs: 86_400_000 });
    expect(day.resolutionMs).toBe(300_000);
    expect(day.buckets.find((b) => b.start === T0)?.requests).toBe(1);
    clock.advance(86_400_000 - 3_600_000);
    const later = read({ rangeMs: 86_400_000 });
    expect(later.buckets.reduce((n, b) => n + b.requests, 0)).toBe(0);
    expect(later.buckets.find((b) => b.start === T0)).toBeUndefined();
  });

  it("a slot reused after a silent hour holds only the new bucket's counts", () => {
    const { clock, history, read } = setup();
    history.recordAcquired("openai", "k1", "", 0);
    clock.advance(3_600_000);
    history.recordAcquired("openai", "k1", "", 0);
    const res = read({ keyId: "k1", rangeMs: 3_600_000 });
    expect(res.buckets.at(-1)).toMatchObject({ start: T0 + 3_600_000, requests: 1 });
    expect(res.buckets.reduce((n, b) => n + b.requests, 0)).toBe(1);
  });

  it("splits errors by outcome and counts expired leases among them", () => {
    const { history, read } = setup();
    history.recordEnded("openai", "k1", "", "server_error");
    history.recordEnded("openai", "k1", "", "server_error");
    history.recordEnded("openai", "k2", "", "expired");
    history.recordEnded("openai", "k2", "", "rate_limited");
    const last = read({ rangeMs: 10_000 }).buckets.at(-1);
    expect(last).toMatchObject({ errors: 3, rateLimited: 1, errorsByOutcome: { server_error: 2, expired: 1 } });
  });

  it("estimates latency percentiles from the bins, bounded by the largest latency seen", () => {
    const { history, read } = setup();
    // 100 reports: 1..100 ms → all in the first bin (≤ 100 ms), max 100.
    for (let ms = 1; ms <= 100; ms++) history.recordEnded("openai", "k1", "", "success", 0, 0, ms);
    let b = read({ rangeMs: 10_000 }).buckets.at(-1);
    expect(b?.latencySamples).toBe(100);
    expect(b?.latencyP50Ms).toBeCloseTo(50, 5);
    expect(b?.latencyP99Ms).toBeCloseTo(99, 5);
    // One slow call in the open bin: p99 of 101 lies in the first bin still; the max closes the last bin.
    history.recordEnded("openai", "k1", "", "success", 0, 0, 95_000);
    b = read({ rangeMs: 10_000 }).buckets.at(-1);
    expect(b?.latencyP50Ms).toBeLessThan(100);
    expect(b?.latencyP99Ms).toBeLessThanOrEqual(100);
    expect(read({ rangeMs: 10_000 }).buckets.at(-1)?.latencySamples).toBe(101);
    for (let i = 0; i < 10; i++) history.recordEnded("openai", "k1", "", "success", 0, 0, 95_000);
    b = read({ rangeMs: 10_000 }).buckets.at(-1);
    expect(b?.latencyP99Ms).toBeGreaterThan(60_000);
    expect(b?.latencyP99Ms).toBeLessThanOrEqual(95_000);
  });
});

describe("statistics history selections", () => {
  it("per provider, per key, per (key, model) and per model over the provider's keys", () => {
    const { history, read } = setup();
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    history.recordAcquired("openai", "k1", "gpt-4o-mini", 0);
    history.recordAcquired("openai", "k2", "gpt-4o", 0);
    history.recordAcquired("openai", "k2", "", 0);
    history.recordRefused("openai");
    const total = (q: RawHistoryQuery) => read({ rangeMs: 10_000, ...q }).buckets.reduce((n, b) => n + b.requests, 0);
    expect(total({})).toBe(4);
    expect(total({ keyId: "k1" })).toBe(2);
    expect(total({ keyId: "k2" })).toBe(2);
    expect(total({ keyId: "k1", model: "gpt-4o" })).toBe(1);
    expect(total({ model: "gpt-4o" })).toBe(2);
    expect(read({ rangeMs: 10_000 }).models).toEqual(["gpt-4o", "gpt-4o-mini"]);
    expect(read({ rangeMs: 10_000, keyId: "k2" }).models).toEqual(["gpt-4o"]);
    expect(read({ rangeMs: 10_000 }).buckets.at(-1)?.refusals).toBe(1);
    expect(read({ rangeMs: 10_000, keyId: "k1" }).maskedKey).toBe("…0001");
  });

  it("unknown provider, key or model is NOT_FOUND naming the field; a configured key without traffic is empty", () => {
    const { history, read } = setup();
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    expect(() => history.read(parseHistoryQuery({ provider: "mistral" }), directory)).toThrow(
      expect.objectContaining({ code: "NOT_FOUND", message: expect.stringMatching(/^provider: not configured/) }),
    );
    expect(() => read({ keyId: "k9" })).toThrow(expect.objectContaining({ code: "NOT_FOUND", message: expect.stringMatching(/^key: not a key of provider openai$/) }));
    expect(() => read({ keyId: "k1", model: "o3" })).toThrow(expect.objectContaining({ code: "NOT_FOUND", message: expect.stringMatching(/^model: no history in this selection/) }));
    expect(read({ keyId: "k2" }).buckets.every((b) => b.requests === 0)).toBe(true);
  });

  it("tracks at most maxModels models per provider; the others still count in the key and provider", () => {
    const clock = new ManualClock(T0);
    const history = new StatsHistory({ clock, maxModels: 2 });
    for (const m of ["a", "b", "c"]) history.recordAcquired("openai", "k1", m, 0);
    const res = history.read(parseHistoryQuery({ provider: "openai", keyId: "k1", rangeMs: 10_000 }), directory);
    expect(res.models).toEqual(["a", "b"]);
    expect(res.buckets.at(-1)?.requests).toBe(3);
    expect(() => history.read(parseHistoryQuery({ provider: "openai", model: "c" }), directory)).toThrow(/at most 2 per provider/);
  });
});

describe("statistics history markers and restarts", () => {
  it("a restart is a start marker, and the buckets before it are not recorded rather than zero", () => {
    const { clock, history } = setup();
    history.recordAcquired("openai", "k1", "", 0);
    clock.advance(120_000);
    // The process restarts: a new history on the same clock.
    const restarted = new StatsHistory({ clock, configGeneration: 1 });
    clock.advance(20_000);
    restarted.recordAcquired("openai", "k1", "", 0);
    const res = restarted.read(parseHistoryQuery({ provider: "openai", rangeMs: 300_000 }), directory);
    expect(res.recordingSince).toBe(T0 + 120_000);
    expect(res.markers).toEqual([expect.objectContaining({ kind: "start", at: T0 + 120_000, configGeneration: 1 })]);
    const before = res.buckets.filter((b) => b.start + 10_000 <= T0 + 120_000);
    const after = res.buckets.filter((b) => b.start >= T0 + 120_000);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((b) => !b.recorded)).toBe(true);
    expect(after.every((b) => b.recorded)).toBe(true);
    expect(after.reduce((n, b) => n + b.requests, 0)).toBe(1);
  });

  it("reloads and key state changes are markers; key markers only in their provider's and key's selections", () => {
    const { clock, history, read } = setup();
    clock.advance(5_000);
    history.recordReload(2, "1 added");
    clock.advance(5_000);
    history.recordKeyState("openai", "k1", "cooling_down", "active → cooling_down: rate limited");
    history.recordKeyState("gemini", "g1", "disabled", "active → disabled");
    const all = read({ rangeMs: 60_000 }).markers;
    expect(all.map((m) => [m.kind, m.at - T0, m.configGeneration])).toEqual([
      ["start", 0, 1],
      ["reload", 5_000, 2],
      ["key_state", 10_000, 2],
    ]);
    expect(all[2]).toMatchObject({ keyId: "k1", keyState: "cooling_down" });
    expect(read({ rangeMs: 60_000, keyId: "k2" }).markers.map((m) => m.kind)).toEqual(["start", "reload"]);
  });
});

describe("statistics history memory bound", () => {
  it("one series is exactly its rings' buckets; a key costs at most its own series and one per tracked model", () => {
    const rows = RESOLUTIONS.reduce((n, r) => n + r.retentionMs / r.widthMs, 0);
    expect(rows).toBe(360 + 288);
    expect(SERIES_BYTES).toBe(rows * FIELDS * Uint32Array.BYTES_PER_ELEMENT);
    expect(new HistorySeries().bytes()).toBe(SERIES_BYTES);

    const clock = new ManualClock(T0);
    const history = new StatsHistory({ clock });
    // Far more models and events than the structure keeps: its size must not follow.
    for (let i = 0; i < 50_000; i++) {
      history.recordAcquired("openai", "k1", `model-${i % 40}`, i % 7);
      history.recordEnded("openai", "k1", `model-${i % 40}`, "success", 10, 10, i % 90_000);
      clock.advance(1_000);
    }
    expect(history.keyBytes("openai", "k1")).toBe(keyBytesBound(history.maxModels));
    expect(keyBytesBound(8)).toBe(9 * SERIES_BYTES);
  });
});

describe("a key used with one model", () => {
  const total = (buckets: readonly { requests: number }[]) => buckets.reduce((n, b) => n + b.requests, 0);

  it("holds one series for the key and its model, until the key sees an event without that model", () => {
    const { clock, history, read } = setup();
    for (let i = 0; i < 3; i++) {
      history.recordAcquired("openai", "k1", "gpt-4o", 0);
      history.recordEnded("openai", "k1", "gpt-4o", "success", 10, 5, 300);
      clock.advance(10_000);
    }
    expect(history.keyBytes("openai", "k1")).toBe(SERIES_BYTES);
    expect(read({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o" }).buckets).toEqual(read({ rangeMs: 60_000, keyId: "k1" }).buckets);
    // One request without a model: it counts in the key and not in gpt-4o, which now has a series of its own.
    history.recordAcquired("openai", "k1", "", 0);
    expect(history.keyBytes("openai", "k1")).toBe(2 * SERIES_BYTES);
    expect(total(read({ rangeMs: 60_000, keyId: "k1" }).buckets)).toBe(4);
    expect(total(read({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o" }).buckets)).toBe(3);
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    expect(total(read({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o" }).buckets)).toBe(4);
    expect(total(read({ rangeMs: 60_000, keyId: "k1" }).buckets)).toBe(5);
  });

  it("gives the first model a series of its own when a second model comes, and counts each apart", () => {
    const { history, read } = setup();
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    history.recordAcquired("openai", "k1", "gpt-4o-mini", 0);
    history.recordAcquired("openai", "k1", "gpt-4o-mini", 0);
    expect(history.keyBytes("openai", "k1")).toBe(3 * SERIES_BYTES);
    expect(total(read({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o" }).buckets)).toBe(1);
    expect(total(read({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o-mini" }).buckets)).toBe(2);
    expect(total(read({ rangeMs: 60_000, keyId: "k1" }).buckets)).toBe(3);
    // The provider's view of a model sums its keys' series, shared or not.
    history.recordAcquired("openai", "k2", "gpt-4o", 0);
    expect(total(read({ rangeMs: 60_000, model: "gpt-4o" }).buckets)).toBe(2);
    expect(history.keyBytes("openai", "k2")).toBe(SERIES_BYTES);
  });

  it("does not share when the key's first events had no model", () => {
    const { history, read } = setup();
    history.recordAcquired("openai", "k1", "", 0);
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    expect(history.keyBytes("openai", "k1")).toBe(2 * SERIES_BYTES);
    expect(total(read({ rangeMs: 60_000, keyId: "k1", model: "gpt-4o" }).buckets)).toBe(1);
    expect(total(read({ rangeMs: 60_000, keyId: "k1" }).buckets)).toBe(2);
  });

  it("writes a shared series once per event and exports it under both names", () => {
    const { history } = setup();
    history.recordAcquired("openai", "k1", "gpt-4o", 0);
    history.recordEnded("openai", "k1", "gpt-4o", "success", 10, 5, 300);
    const rows = history.rowsAt(0, Math.floor(T0 / 10_000));
    const key = rows.find((r) => r.keyId === "k1" && r.model === "");
    const model = rows.find((r) => r.keyId === "k1" && r.model === "gpt-4o");
    expect(key?.counters).toEqual(model?.counters);
    // requests 1, not 2: the key and its model are one series, counted once.
    expect(key?.counters[0]).toBe(1);
  });
});

describe("history query parsing", () => {
  it("fills in the defaults: last hour at 10 s, a day at 5 min", () => {
    expect(parseHistoryQuery({ provider: " OpenAI " })).toEqual({ provider: "openai", keyId: "", model: "", rangeMs: 3_600_000, resolutionMs: 10_000 });
    expect(parseHistoryQuery({ provider: "openai", rangeMs: 86_400_000 }).resolutionMs).toBe(300_000);
  });

  it.each([
    [{ provider: "" }, /^provider: required/],
    [{ provider: "openai", rangeMs: 86_400_001 }, /^range: at most 24h/],
    [{ provider: "openai", rangeMs: -1 }, /^range: expected a positive duration/],
    [{ provider: "openai", resolutionMs: 15_000 }, /^resolution: expected a multiple of 10s/],
    [{ provider: "openai", rangeMs: 7_200_000, resolutionMs: 60_000 }, /^resolution: expected a multiple of 300s/],
    [{ provider: "openai", rangeMs: 60_000, resolutionMs: 120_000 }, /^resolution: longer than the range/],
    [{ provider: "openai", model: "m".repeat(257) }, /^model: longer than 256/],
    [{ provider: "openai", keyId: "k".repeat(129) }, /^key_id: longer than 128/],
  ] as const)("refuses %o naming the field", (raw, message) => {
    expect(() => parseHistoryQuery(raw)).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) }));
  });
});

describe("docs/stats-history.md", () => {
  it("states the memory cost that the structure has", () => {
    const doc = readFileSync(fileURLToPath(new URL("../../../docs/stats-history.md", import.meta.url)), "utf8");
    const n = (v: number) => v.toLocaleString("en-US");
    expect(doc).toContain(`**${n(SERIES_BYTES)} bytes**`);
    expect(doc).toContain(`(1 + ${DEFAULT_MAX_MODELS}) × ${n(SERIES_BYTES)} = **${n(keyBytesBound())} bytes**`);
    expect(doc).toContain(`${n(SERIES_BYTES)} bytes for a key`);
    expect(doc).toContain(`row of ${FIELDS} unsigned 32-bit counters`);
  });
});
