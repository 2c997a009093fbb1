/*
 * A provider's capacity: what its enabled keys may take per minute, and the
 * words under a capacity bar. Pure functions over the snapshot's JSON keys.
 */
import { compact } from "./format.js";

/** Requests (or tokens) per minute a key can sustain: its rpm and every window of at most a minute, scaled to a minute. */
export function perMinuteCapacity(k, kind) {
  let cap = kind === "requests" ? (k.limits.rpm ?? Infinity) : (k.limits.tpm ?? Infinity);
  for (const w of k.limits.windows) {
    const n = w[kind];
    if (n !== undefined && w.per_ms <= 60_000) cap = Math.min(cap, (n * 60_000) / w.per_ms);
  }
  return cap;
}

/**
 * Use of the enabled keys against their limits, what of it is not available
 * now (keys cooling down or exhausted), and traffic still on keys out of
 * rotation (draining, disabled), which counts against no capacity.
 */
export function capacityText(used, outside, capacity, available, unit, unlimited, enabledCount) {
  const parts = [];
  if (!Number.isFinite(capacity)) parts.push(unlimited === enabledCount ? `no ${unit} limits configured` : `no ${unit} limit on ${unlimited} of ${enabledCount} keys`);
  else if (capacity <= 0) parts.push("no enabled key");
  else {
    parts.push(`${Math.round((100 * used) / capacity)}% of the enabled keys' limits`);
    if (capacity - available > 0) parts.push(`${compact(capacity - available)} not available now`);
  }
  if (outside > 0) parts.push(`${compact(outside)} on keys out of rotation`);
  return parts.join(" · ");
}
