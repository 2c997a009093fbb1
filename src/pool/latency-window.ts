/** Most recent reports a key keeps for its latency percentiles. */
export const LATENCY_SAMPLES = 1_000;
/** Reports older than this no longer count: percentiles describe the key as it is now. */
export const LATENCY_MAX_AGE_MS = 5 * 60_000;

/** Latency percentiles of recent reports, in milliseconds. */
export interface LatencyPercentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  /** Reports the percentiles were computed from. */
  readonly samples: number;
}

/**
 * The upstream latencies of a key's most recent reports: a fixed ring of the
 * last {@link LATENCY_SAMPLES}, each counted for {@link LATENCY_MAX_AGE_MS}.
 * Memory is bounded per key whatever the traffic; percentiles are computed when
 * asked (a snapshot), not per report, and cached until something changes.
 * The ring starts small and doubles up to its capacity, so that the many
 * keys of a large pool that see few reports do not each hold 16 KB.
 */
export class LatencyWindow {
  private values: Float64Array = EMPTY;
  private times: Float64Array = EMPTY;
  /** Reports recorded over the key's lifetime; the ring holds the last `capacity`. */
  private recorded = 0;
  private cache: { recorded: number; validUntil: number; result: LatencyPercentiles | undefined } | undefined;

  constructor(
    private readonly capacity = LATENCY_SAMPLES,
    private readonly maxAgeMs = LATENCY_MAX_AGE_MS,
  ) {}

  add(latencyMs: number, now: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return;
    const i = this.recorded % this.capacity;
    // Until the ring is full size it has never wrapped, so a grown copy keeps every sample at its index.
    if (i >= this.values.length) this.grow();
    this.values[i] = latencyMs;
    this.times[i] = now;
    this.recorded += 1;
  }

  /** Nearest-rank p50/p95/p99 of the reports younger than the maximum age; undefined when there are none. */
  percentiles(now: number): LatencyPercentiles | undefined {
    const c = this.cache;
    if (c !== undefined && c.recorded === this.recorded && now < c.validUntil) return c.result;
    const held = Math.min(this.recorded, this.capacity);
    const recent: number[] = [];
    let oldestKept = Infinity;
    for (let n = 0; n < held; n++) {
      const i = (this.recorded - 1 - n) % this.capacity;
      const at = this.times[i] as number;
      if (at + this.maxAgeMs <= now) continue;
      recent.push(this.values[i] as number);
      if (at < oldestKept) oldestKept = at;
    }
    let result: LatencyPercentiles | undefined;
    if (recent.length > 0) {
      recent.sort((a, b) => a - b);
      result = { p50: rank(recent, 0.5), p95: rank(recent, 0.95), p99: rank(recent, 0.99), samples: recent.length };
    }
    // The result holds until a new report arrives or the oldest sample ages out.
    this.cache = { recorded: this.recorded, validUntil: oldestKept + this.maxAgeMs, result };
    return result;
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(INITIAL_SAMPLES, this.values.length * 2));
    const values = new Float64Array(size);
    const times = new Float64Array(size);
    values.set(this.values);
    times.set(this.times);
    this.values = values;
    this.times = times;
  }
}

const EMPTY = new Float64Array(0);
const INITIAL_SAMPLES = 8;

/** Nearest-rank percentile of sorted values: the smallest value with at least `p` of the values at or below it. */
function rank(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] as number;
}
