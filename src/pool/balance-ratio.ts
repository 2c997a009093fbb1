/** One key's share of traffic: a request count and the weight it is judged against. */
export interface WeightedCount {
  readonly requests: number;
  readonly weight: number;
}

/**
 * How evenly requests are spread: the smallest weight-normalised request
 * count divided by the largest. 1.0 is perfect (every key carries exactly its
 * weight's share); 0 means some key got nothing while another got traffic.
 * With no traffic, or fewer than two keys, there is nothing uneven: 1.0.
 */
export function balanceRatio(counts: Iterable<WeightedCount>): number {
  let min = Infinity;
  let max = 0;
  let n = 0;
  for (const { requests, weight } of counts) {
    if (!(weight > 0)) continue;
    const load = requests / weight;
    if (load < min) min = load;
    if (load > max) max = load;
    n += 1;
  }
  if (n < 2 || max === 0) return 1;
  return min / max;
}
