/** Compact counts for a narrow table: 950, 1.2k, 40k, 1.5M. */
export function compactCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1_000) return String(Math.round(n));
  for (const [size, unit] of [
    [1e9, "G"],
    [1e6, "M"],
    [1e3, "k"],
  ] as const) {
    if (abs >= size) {
      const v = n / size;
      return `${Math.abs(v) < 10 ? Number(v.toFixed(1)) : Math.round(v)}${unit}`;
    }
  }
  return String(n);
}

/** A count against its limit ("21/50"), or the count alone without one. */
export function againstLimit(used: number, limit: number | undefined): string {
  return limit === undefined ? compactCount(used) : `${compactCount(used)}/${compactCount(limit)}`;
}

/** Milliseconds for people: 820ms, 1.9s, 2m05s; "-" when unknown. */
export function shortDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "-";
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1_000).toFixed(ms < 10_000 ? 1 : 0))}s`;
  const totalS = Math.round(ms / 1_000);
  if (totalS < 3_600) return `${Math.floor(totalS / 60)}m${String(totalS % 60).padStart(2, "0")}s`;
  return `${Math.floor(totalS / 3_600)}h${String(Math.floor((totalS % 3_600) / 60)).padStart(2, "0")}m`;
}

/** A 0..1 fraction as a whole percentage. */
export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** A ratio with two decimals ("0.99"), never rounded up to a perfect 1.00 it is not. */
export function ratio(r: number): string {
  return (Math.floor(r * 100) / 100).toFixed(2);
}
