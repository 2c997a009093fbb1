/**
 * Durations as the providers write them.
 */

/** Go's time.Duration style that OpenAI uses in x-ratelimit-reset-*: "20ms", "6s", "1.5s", "6m0s", "1h2m3s". */
export function formatGoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total === 0) return "0s";
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = trimFraction((total % 60_000) / 1000);
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** A google.protobuf.Duration in its JSON form, as Gemini's RetryInfo.retryDelay: "20s", "0.250s". */
export function formatProtoDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  return total % 1000 === 0 ? `${total / 1000}s` : `${(total / 1000).toFixed(3)}s`;
}

/** Whole seconds, rounded up, as in a Retry-After header; at least 1 for any positive wait. */
export function ceilSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

function trimFraction(seconds: number): string {
  return seconds.toFixed(3).replace(/\.?0+$/, "");
}
