import { invalidArgument, notFound } from "../protocol/keypool-error.js";
import { DEFAULT_STATS_INTERVAL_MS, MAX_STATS_INTERVAL_MS, MIN_STATS_INTERVAL_MS } from "./snapshot-feed.js";

export interface StatsRequest {
  /** Provider names to include; empty is all. */
  readonly providers: readonly string[];
  readonly intervalMs: number;
}

/**
 * Checks a statistics subscription, whichever transport it came by. An unset
 * or zero interval is the default (1 s); outside 100 ms..60 s it is refused
 * rather than silently changed. Unknown provider names are refused too: a
 * typo would otherwise show an empty pool.
 */
export function parseStatsRequest(
  providers: readonly string[],
  intervalMs: number | undefined,
  configured: readonly string[],
): StatsRequest {
  const interval = intervalMs === undefined || intervalMs === 0 ? DEFAULT_STATS_INTERVAL_MS : intervalMs;
  if (!Number.isFinite(interval) || interval < MIN_STATS_INTERVAL_MS || interval > MAX_STATS_INTERVAL_MS) {
    throw invalidArgument(`interval: expected between ${MIN_STATS_INTERVAL_MS}ms and ${MAX_STATS_INTERVAL_MS / 1000}s`);
  }
  const names = [...new Set(providers.map((p) => p.trim().toLowerCase()).filter((p) => p !== ""))];
  // The position names the entry; the caller's own text is never echoed back.
  const unknown = names.findIndex((p) => !configured.includes(p));
  if (unknown >= 0) {
    throw notFound(`providers[${unknown}]: not configured (configured: ${configured.join(", ") || "none"})`);
  }
  return { providers: names, intervalMs: interval };
}
