import type { ParsedRateLimits } from "../provider-http/rate-limits/rate-limit-facts.js";
import type { Logger } from "./logger.js";

/**
 * The debug line for what a reported answer said about the provider's
 * limits, by provider and key id, written alike for gRPC reports and the
 * proxy's own. Only parsed numbers and known ids are in it.
 */
export function logRateLimits(log: Logger, report: { provider: string; keyId: string }, parsed: ParsedRateLimits | undefined): void {
  if (parsed === undefined || !log.isLevelEnabled("debug")) return;
  if (parsed.limits.length === 0 && parsed.exhausted === undefined && parsed.retryAfterMs === undefined && parsed.notes.length === 0) return;
  log.debug({ provider: report.provider, keyId: report.keyId, rateLimits: parsed }, "provider rate limits read");
}
