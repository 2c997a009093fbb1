import type { IncomingHttpHeaders } from "node:http";
import { MAX_ERROR_BODY_BYTES } from "../provider-http/rate-limits/error-body.js";
import { pickRateLimitHeaders } from "../provider-http/rate-limits/rate-limit-header-names.js";
import type { ProviderAnswer } from "../provider-http/rate-limits/rate-limit-facts.js";
import type { ReportedAnswer } from "../pool/types.js";

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

/** The answer's limit-bearing parts, for the pool to read in the lease's provider's dialect. */
export function reportedAnswer(answer: ProviderAnswer): ReportedAnswer {
  return answer.errorBody === undefined ? { headers: answer.headers } : { headers: answer.headers, errorBody: answer.errorBody };
}
