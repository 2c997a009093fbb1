import { outcomes, type Outcome } from "../../protocol/outcome.js";

/**
 * The layout of one history bucket: a fixed row of unsigned 32-bit counters,
 * so that a bucket costs the same whatever the traffic. Counters saturate at
 * 2^32 - 1 rather than wrap.
 */

/** Outcomes counted per bucket: the reported ones, and leases that expired unreported. */
export type BucketOutcome = Outcome | "expired";
export const BUCKET_OUTCOMES: readonly BucketOutcome[] = [...outcomes, "expired"];

/**
 * Upper bounds (ms) of the latency bins; the last bin is open. LLM calls take
 * from tens of milliseconds (embeddings) to minutes (long generations).
 */
export const LATENCY_BOUNDS_MS = [100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000] as const;
export const LATENCY_BINS = LATENCY_BOUNDS_MS.length + 1;

/** Index of each counter in a bucket row. */
export const F = {
  /** Bucket number (time / width) + 1 that the row holds; 0: never written. */
  epoch: 0,
  requests: 1,
  waits: 2,
  waitMs: 3,
  refusals: 4,
  promptTokens: 5,
  completionTokens: 6,
  /** Largest latency reported in the bucket: the open bin's upper end. */
  latencyMaxMs: 7,
  /** First of BUCKET_OUTCOMES.length outcome counters, in BUCKET_OUTCOMES order. */
  outcomes: 8,
  /** First of LATENCY_BINS latency bin counters. */
  latency: 8 + outcomes.length + 1,
} as const;

/** Counters per bucket row. */
export const FIELDS = F.latency + LATENCY_BINS;

export const MAX_COUNTER = 0xffff_ffff;

/** The outcome counter's index in a row. */
export function outcomeField(outcome: BucketOutcome): number {
  return F.outcomes + BUCKET_OUTCOMES.indexOf(outcome);
}

/** The latency bin a report falls in. */
export function latencyBin(ms: number): number {
  for (let i = 0; i < LATENCY_BOUNDS_MS.length; i++) if (ms <= (LATENCY_BOUNDS_MS[i] ?? 0)) return i;
  return LATENCY_BOUNDS_MS.length;
}
