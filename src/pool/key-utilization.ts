import type { PooledKey } from "./pooled-key.js";

/**
 * The highest fraction of any of a key's limits in use now, 0..1: requests
 * or tokens counted in each limited window, and open leases against
 * max_concurrent. 0 for a key without limits. A limit lowered below what is
 * already counted reads as 1, not more.
 */
export function keyUtilization(key: PooledKey, now: number): number {
  key.usage.advance(now);
  let highest = 0;
  key.usage.specs().forEach((spec, i) => {
    if (!Number.isFinite(spec.limit) || spec.limit <= 0) return;
    const used = key.usage.usage(i);
    highest = Math.max(highest, (spec.kind === "requests" ? used.requests : used.tokens) / spec.limit);
  });
  const max = key.config.maxConcurrent;
  if (max !== undefined && max > 0) highest = Math.max(highest, key.inFlight / max);
  return Math.min(1, highest);
}
