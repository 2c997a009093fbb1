import { LATENCY_BOUNDS_MS } from "./bucket-fields.js";

/**
 * The q-quantile (0..1) of latencies counted in fixed bins, interpolated
 * linearly inside the bin it falls in. The largest latency seen closes the
 * open last bin and tightens any bin above it. Undefined without samples.
 */
export function latencyPercentile(bins: ArrayLike<number>, maxMs: number, q: number): number | undefined {
  let total = 0;
  for (let i = 0; i < bins.length; i++) total += bins[i] ?? 0;
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bins.length; i++) {
    const n = bins[i] ?? 0;
    if (n === 0) continue;
    if (below + n >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] ?? 0);
      const upper = Math.max(lower, Math.min(LATENCY_BOUNDS_MS[i] ?? Number.POSITIVE_INFINITY, maxMs));
      return lower + ((rank - below) / n) * (upper - lower);
    }
    below += n;
  }
  return maxMs;
}
