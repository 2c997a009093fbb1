import type { IncomingHttpHeaders } from "node:http";
import { MAX_ERROR_BODY_BYTES } from "../provider-http/rate-limits/error-body.js";
import { parseRateLimits } from "../provider-http/rate-limits/parse-rate-limits.js";
import { pickRateLimitHeaders } from "../provider-http/rate-limits/rate-limit-header-names.js";
import type { ProviderAnswer } from "../provider-http/rate-limits/rate-limit-facts.js";
import type { Lease } from "../pool/types.js";
import type { Logger } from "../telemetry/logger.js";

/**
 * What an upstream answer says about the provider's limits, as a gRPC
 * caller would report it: the allow-listed rate-limit headers and, for an
 * error, the first 8 KiB of the body the proxy read to classify it.
 */
export function upstreamAnswer(provider: string, status: number, headers: IncomingHttpHeaders, errorBody: Buffer | undefined, now: number): ProviderAnswer {
  const answer: ProviderAnswer = { provider, status, headers: pickRateLimitHeaders(headers), now };
  if (status >= 400 && errorBody !== undefined && errorBody.length > 0) answer.errorBody = errorBody.subarray(0, MAX_ERROR_BODY_BYTES);
  return answer;
}

/**
 * Writes what the provider said about its limits to the debug log, by
 * provider and key id, in the same line the gRPC service writes for a
 * reported answer. Only parsed numbers and known ids are logged.
 */
export function logUpstreamAnswer(log: Logger, lease: Pick<Lease, "provider" | "keyId">, answer: ProviderAnswer): void {
  if (!log.isLevelEnabled("debug")) return;
  const rateLimits = parseRateLimits(answer);
  if (rateLimits.limits.length === 0 && rateLimits.exhausted === undefined && rateLimits.retryAfterMs === undefined && rateLimits.notes.length === 0) return;
  log.debug({ provider: lease.provider, keyId: lease.keyId, rateLimits }, "provider rate limits read");
}
