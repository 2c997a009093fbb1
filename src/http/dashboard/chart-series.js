/*
 * The data behind a provider's charts: buckets from /v1/stats/history,
 * extended live by the differences between the stream's snapshots, and the
 * history's restart and reload markers. Pure functions over plain objects.
 *
 * A bucket the sidecar did not record (before it started) or that the page
 * never saw (the sidecar was unreachable) is a gap, not a zero.
 */

/** The counters a chart draws, per bucket. */
const COUNTS = ["requests", "rate_limited", "errors", "tokens"];

function emptyBucket() {
  return { recorded: true, requests: 0, rate_limited: 0, errors: 0, tokens: 0, latency_p50_ms: null, latency_p95_ms: null };
}

/** A series from a history response (GET /v1/stats/history). */
export function seriesFromHistory(h) {
  const buckets = new Map();
  for (const b of h.buckets) {
    buckets.set(Date.parse(b.start), {
      recorded: b.recorded,
      requests: b.requests,
      rate_limited: b.rate_limited,
      errors: b.errors,
      tokens: b.prompt_tokens + b.completion_tokens,
      latency_p50_ms: b.latency_p50_ms,
      latency_p95_ms: b.latency_p95_ms,
    });
  }
  const markers = h.markers
    .filter((m) => m.kind === "start" || m.kind === "reload")
    .map((m) => ({ at: Date.parse(m.at), kind: m.kind, detail: m.detail, generation: m.config_generation, sidecar: m.sidecar ?? "" }));
  return { resolutionMs: h.resolution_ms, buckets, markers, recordingSince: Date.parse(h.recording_since), totals: null };
}

/**
 * A fresh history over what the page had: the fresh one wins where it
 * recorded, the page's own buckets stay where it did not (the time of an
 * earlier process of a restarted sidecar). Markers are joined.
 */
export function mergeSeries(old, fresh) {
  if (old === undefined || old.resolutionMs !== fresh.resolutionMs) return fresh;
  const buckets = new Map(fresh.buckets);
  for (const [t, b] of old.buckets) {
    if (b.recorded && !(buckets.get(t)?.recorded ?? false)) buckets.set(t, b);
  }
  // With a shared store, two sidecars may start or reload in the same millisecond: the sidecar tells them apart.
  const id = (m) => `${m.at} ${m.kind} ${m.sidecar ?? ""}`;
  const seen = new Set(fresh.markers.map(id));
  const markers = [...fresh.markers, ...old.markers.filter((m) => !seen.has(id(m)))].sort((a, b) => a.at - b.at);
  return { ...fresh, buckets: new Map([...buckets].sort((a, b) => a[0] - b[0])), markers };
}

/** A provider's lifetime counters in a snapshot, as the history counts them (expired leases are errors there too). */
export function providerTotals(p) {
  let expired = 0;
  for (const k of p.keys) expired += k.expired_leases_total;
  return {
    requests: p.requests_total,
    rate_limited: p.rate_limited_total,
    errors: p.errors_total + expired,
    tokens: p.prompt_tokens_total + p.completion_tokens_total,
  };
}

/**
 * Adds what changed since the previous snapshot to the bucket of `t`.
 * Returns false when a counter went down (a restarted sidecar, or a key
 * removed with its counts): the caller reloads the history instead.
 * The first snapshot after a history load only sets the baseline.
 */
export function applySnapshot(series, p, t) {
  const totals = providerTotals(p);
  const previous = series.totals;
  series.totals = totals;
  const start = Math.floor(t / series.resolutionMs) * series.resolutionMs;
  let bucket = series.buckets.get(start);
  if (bucket === undefined || !bucket.recorded) series.buckets.set(start, (bucket = emptyBucket()));
  if (previous === null) return true;
  for (const c of COUNTS) if (totals[c] < previous[c]) return false;
  for (const c of COUNTS) bucket[c] += totals[c] - previous[c];
  return true;
}

/** Drops buckets and markers older than `since`. */
export function trimSeries(series, since) {
  for (const t of series.buckets.keys()) if (t < since) series.buckets.delete(t);
  series.markers = series.markers.filter((m) => m.at >= since);
}

/**
 * The points of one metric between `start` and `end`, split into segments
 * at gaps. Counts become rates per minute (the bucket that holds `now` over
 * its elapsed part, so the newest point does not dip); latencies stay in
 * milliseconds, and a bucket without latency samples breaks the line too.
 */
export function metricSegments(series, metric, start, end, now = end) {
  const res = series.resolutionMs;
  const segments = [];
  let current = [];
  const first = Math.ceil(start / res) * res;
  for (let t = first; t <= end; t += res) {
    const b = series.buckets.get(t);
    let v = null;
    if (b !== undefined && b.recorded) {
      if (metric === "latency_p50_ms" || metric === "latency_p95_ms") v = b[metric];
      else {
        const elapsed = now >= t && now < t + res ? Math.max(1_000, now - t) : res;
        v = (b[metric] * 60_000) / elapsed;
      }
    }
    if (v === null) {
      if (current.length > 0) segments.push(current);
      current = [];
    } else current.push({ t, v });
  }
  if (current.length > 0) segments.push(current);
  return segments;
}

/** The largest value in some segments (0 when empty). */
export function segmentsMax(...lists) {
  let max = 0;
  for (const segments of lists) for (const s of segments) for (const p of s) if (p.v > max) max = p.v;
  return max;
}
