import { BUCKET_OUTCOMES, F, FIELDS, LATENCY_BINS } from "./bucket-fields.js";
import type { BucketRing } from "./bucket-ring.js";
import { RESOLUTIONS } from "./history-series.js";
import type { HistoryBucket } from "./history-types.js";
import { latencyPercentile } from "./latency-percentile.js";

export interface BucketWindow {
  /** Which of the series' rings to read (RESOLUTIONS order). */
  readonly ring: number;
  readonly rangeStart: number;
  readonly rangeEnd: number;
  readonly resolutionMs: number;
  readonly now: number;
  /** When something was recording (this sidecar since its start, another from its start to its last write); other times have no data. */
  readonly recording: readonly RecordingSpan[];
}

export interface RecordingSpan {
  readonly from: number;
  readonly to: number;
}

/**
 * The buckets of [rangeStart, rangeEnd) at the window's resolution, each the
 * sum of the ring buckets inside it over all `rings` (a model's history over
 * several keys, or over several sidecars, is their sum). A bucket is
 * `recorded` when any part of it was both within a recording span and still
 * within the ring's retention.
 */
export function readBuckets(rings: readonly BucketRing[], w: BucketWindow): HistoryBucket[] {
  const resolution = RESOLUTIONS[w.ring];
  if (resolution === undefined) throw new RangeError(`no ring ${w.ring}`);
  const widthMs = resolution.widthMs;
  const slots = resolution.retentionMs / widthMs;
  const newest = Math.floor(w.now / widthMs);
  const out: HistoryBucket[] = [];
  const sum = new Float64Array(FIELDS);
  for (let start = w.rangeStart; start < w.rangeEnd; start += w.resolutionMs) {
    sum.fill(0);
    let recorded = false;
    for (let n = start / widthMs; n < (start + w.resolutionMs) / widthMs; n++) {
      const kept = n <= newest && n > newest - slots;
      if (kept && w.recording.some((r) => (n + 1) * widthMs > r.from && n * widthMs <= r.to)) recorded = true;
      for (const ring of rings) {
        const offset = ring.offsetOf(n);
        if (offset < 0) continue;
        for (let f = 1; f < FIELDS; f++) {
          const v = ring.rows[offset + f] ?? 0;
          sum[f] = f === F.latencyMaxMs ? Math.max(sum[f] ?? 0, v) : (sum[f] ?? 0) + v;
        }
      }
    }
    out.push(toBucket(start, recorded, sum));
  }
  return out;
}

function toBucket(start: number, recorded: boolean, sum: Float64Array): HistoryBucket {
  const at = (i: number) => sum[i] ?? 0;
  const errorsByOutcome: Record<string, number> = {};
  let errors = 0;
  BUCKET_OUTCOMES.forEach((outcome, i) => {
    const n = at(F.outcomes + i);
    if (outcome === "success" || outcome === "rate_limited" || n === 0) return;
    errorsByOutcome[outcome] = n;
    errors += n;
  });
  const bins = sum.subarray(F.latency, F.latency + LATENCY_BINS);
  let samples = 0;
  for (const n of bins) samples += n;
  const maxMs = at(F.latencyMaxMs);
  return {
    start,
    recorded,
    requests: at(F.requests),
    successes: at(F.outcomes + BUCKET_OUTCOMES.indexOf("success")),
    rateLimited: at(F.outcomes + BUCKET_OUTCOMES.indexOf("rate_limited")),
    errors,
    errorsByOutcome,
    promptTokens: at(F.promptTokens),
    completionTokens: at(F.completionTokens),
    waits: at(F.waits),
    waitMs: at(F.waitMs),
    refusals: at(F.refusals),
    latencySamples: samples,
    latencyP50Ms: latencyPercentile(bins, maxMs, 0.5),
    latencyP95Ms: latencyPercentile(bins, maxMs, 0.95),
    latencyP99Ms: latencyPercentile(bins, maxMs, 0.99),
  };
}
