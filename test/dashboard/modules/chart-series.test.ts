import { describe, expect, it } from "vitest";
import { applySnapshot, mergeSeries, metricSegments, segmentsMax, seriesFromHistory, trimSeries } from "../../../src/http/dashboard/chart-series.js";
import { modelRows, modelsByKey, sumHistory } from "../../../src/http/dashboard/model-usage.js";

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const iso = (t: number) => new Date(t).toISOString();

/** A history bucket as GET /v1/stats/history answers it. */
function bucket(t: number, fields: Record<string, unknown> = {}) {
  return {
    start: iso(t),
    recorded: true,
    requests: 0,
    successes: 0,
    rate_limited: 0,
    errors: 0,
    errors_by_outcome: {},
    prompt_tokens: 0,
    completion_tokens: 0,
    waits: 0,
    wait_time_ms: 0,
    refusals: 0,
    latency_samples: 0,
    latency_p50_ms: null,
    latency_p95_ms: null,
    latency_p99_ms: null,
    ...fields,
  };
}

function history(buckets: ReturnType<typeof bucket>[], markers: Record<string, unknown>[] = []) {
  return { provider: "openai", resolution_ms: 10_000, recording_since: iso(T0 + 20_000), buckets, markers, models: [] as string[] };
}

/** A provider in a snapshot, with one key. */
function provider(requests: number, rateLimited = 0, errors = 0, tokens = 0, expired = 0) {
  return {
    requests_total: requests,
    rate_limited_total: rateLimited,
    errors_total: errors,
    prompt_tokens_total: tokens,
    completion_tokens_total: 0,
    keys: [{ expired_leases_total: expired }],
  };
}

describe("the dashboard's chart series", () => {
  it("turns history buckets into per-minute rates with gaps where nothing was recorded, and keeps start and reload markers", () => {
    const s = seriesFromHistory(
      history(
        [
          bucket(T0, { recorded: false }),
          bucket(T0 + 10_000, { recorded: false }),
          bucket(T0 + 20_000, { requests: 5, rate_limited: 1, prompt_tokens: 300, completion_tokens: 100, latency_p50_ms: 200, latency_p95_ms: 900 }),
          bucket(T0 + 30_000, { requests: 2, errors: 2 }),
          bucket(T0 + 40_000, { recorded: false }),
          bucket(T0 + 50_000, { requests: 1, latency_p50_ms: 120, latency_p95_ms: 120 }),
        ],
        [
          { at: iso(T0 + 20_000), kind: "start", key_id: "", key_state: null, config_generation: 1, detail: "" },
          { at: iso(T0 + 25_000), kind: "key_state", key_id: "k1", key_state: "cooling_down", config_generation: 1, detail: "429" },
          { at: iso(T0 + 45_000), kind: "reload", key_id: "", key_state: null, config_generation: 2, detail: "1 key added" },
        ],
      ),
    );
    const end = T0 + 60_000;
    expect(metricSegments(s, "requests", T0, end)).toEqual([
      [
        { t: T0 + 20_000, v: 30 },
        { t: T0 + 30_000, v: 12 },
      ],
      [{ t: T0 + 50_000, v: 6 }],
    ]);
    expect(metricSegments(s, "tokens", T0, end)[0]![0]).toEqual({ t: T0 + 20_000, v: 2_400 });
    expect(metricSegments(s, "errors", T0, end)[0]!.map((p) => p.v)).toEqual([0, 12]);
    // A bucket without latency samples breaks the latency line too.
    expect(metricSegments(s, "latency_p95_ms", T0, end)).toEqual([[{ t: T0 + 20_000, v: 900 }], [{ t: T0 + 50_000, v: 120 }]]);
    expect(s.markers.map((m: { kind: string }) => m.kind)).toEqual(["start", "reload"]);
    expect(segmentsMax(metricSegments(s, "requests", T0, end), metricSegments(s, "rate_limited", T0, end))).toBe(30);
  });

  it("adds the difference between snapshots to the bucket of their time, after a first snapshot that only sets the baseline", () => {
    const s = seriesFromHistory(history([bucket(T0, { requests: 4 })]));
    expect(applySnapshot(s, provider(100, 1, 0, 5_000), T0 + 3_000)).toBe(true);
    expect(s.buckets.get(T0).requests).toBe(4);
    expect(applySnapshot(s, provider(103, 1, 0, 5_600), T0 + 4_000)).toBe(true);
    expect(applySnapshot(s, provider(110, 3, 1, 6_000, 1), T0 + 12_000)).toBe(true);
    expect(s.buckets.get(T0)).toMatchObject({ requests: 7, tokens: 600 });
    // An expired lease counts as an error, as the history counts it.
    expect(s.buckets.get(T0 + 10_000)).toMatchObject({ requests: 7, rate_limited: 2, errors: 2, tokens: 400 });
    // The bucket that holds now is a rate over its elapsed part, so the newest point does not dip.
    expect(metricSegments(s, "requests", T0, T0 + 12_000, T0 + 12_000)).toEqual([[{ t: T0, v: 42 }, { t: T0 + 10_000, v: 210 }]]);
  });

  it("says when a counter went down (a restarted sidecar), so the page reads the history again", () => {
    const s = seriesFromHistory(history([]));
    applySnapshot(s, provider(50), T0);
    expect(applySnapshot(s, provider(3), T0 + 1_000)).toBe(false);
    // The next snapshot counts from the new baseline.
    expect(applySnapshot(s, provider(5), T0 + 2_000)).toBe(true);
    expect(s.buckets.get(T0).requests).toBe(2);
  });

  it("keeps the page's own buckets where a fresh history has none (before a restart), and trims to the range", () => {
    const old = seriesFromHistory(history([bucket(T0, { requests: 9 }), bucket(T0 + 10_000, { requests: 3 })]));
    const fresh = seriesFromHistory(history([bucket(T0, { recorded: false }), bucket(T0 + 10_000, { recorded: false }), bucket(T0 + 20_000, { requests: 1 })]));
    const merged = mergeSeries(old, fresh);
    expect([...merged.buckets].map(([t, b]) => [t - T0, b.requests])).toEqual([
      [0, 9],
      [10_000, 3],
      [20_000, 1],
    ]);
    trimSeries(merged, T0 + 10_000);
    expect([...merged.buckets.keys()].map((t) => t - T0)).toEqual([10_000, 20_000]);
  });
});

describe("the dashboard's per-model view", () => {
  it("sums recorded buckets and lists each model's keys, busiest first", () => {
    const sum = sumHistory(history([bucket(T0, { requests: 3, rate_limited: 1, prompt_tokens: 10, completion_tokens: 5 }), bucket(T0 + 10_000, { recorded: false, requests: 99 })]));
    expect(sum).toEqual({ requests: 3, rate_limited: 1, errors: 0, tokens: 15 });
    const s = (requests: number) => ({ requests, rate_limited: 0, errors: 0, tokens: 0 });
    const byModel = new Map([["gpt-4o-mini", s(2)], ["gpt-4o", s(12)]]);
    const byKey = new Map([
      ["k1", new Map([["gpt-4o", s(4)], ["gpt-4o-mini", s(0)]])],
      ["k2", new Map([["gpt-4o", s(8)], ["gpt-4o-mini", s(2)]])],
    ]);
    const rows = modelRows(byModel, byKey);
    expect(rows.map((r: { model: string; keys: { keyId: string }[] }) => [r.model, r.keys.map((k) => k.keyId)])).toEqual([
      ["gpt-4o", ["k2", "k1"]],
      ["gpt-4o-mini", ["k2"]],
    ]);
    expect(modelsByKey(byKey)).toEqual(new Map([["k1", new Set(["gpt-4o"])], ["k2", new Set(["gpt-4o", "gpt-4o-mini"])]]));
  });
});
