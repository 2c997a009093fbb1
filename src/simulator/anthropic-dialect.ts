import { bearerToken, headerValue, type Dialect } from "./dialect.js";
import { ceilSeconds } from "./format-duration.js";
import type { LimitSnapshot, LimitViolation } from "./limits.js";
import { secondsToMs } from "./openai-dialect.js";
import type { HttpReply, SimError } from "./sim-error.js";

/**
 * Anthropic: `x-api-key` (or a bearer auth token), `{"type":"error","error":{type,message}}`
 * bodies, anthropic-ratelimit-* headers whose resets are RFC 3339 times, and
 * an integer retry-after on a 429.
 */
export const anthropicDialect: Dialect = {
  name: "anthropic",
  requestIdHeader: "request-id",
  credential: (headers) => headerValue(headers, "x-api-key") ?? bearerToken(headers),
  error: (error, limits, now) => anthropicError(error, limits, now),
  limitHeaders: (limits, now) => anthropicLimitHeaders(limits, now),
};

const errorTypes: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  402: "billing_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

function anthropicError(error: SimError, limits: LimitSnapshot | undefined, now: number): HttpReply {
  const headers = limits === undefined ? {} : anthropicLimitHeaders(limits, now);
  switch (error.kind) {
    case "missing_credential":
      return reply(401, {}, "x-api-key header is required");
    case "invalid_credential":
      return reply(401, {}, "invalid x-api-key");
    case "malformed_json":
      return reply(400, headers, "There was an error parsing the body as JSON.");
    case "bad_request":
      return reply(400, headers, error.message);
    case "body_too_large":
      return reply(413, headers, `Request exceeds the maximum allowed number of bytes (${error.limitBytes}).`);
    case "not_found":
      return reply(404, {}, "Not Found");
    case "rate_limited":
      return reply(
        429,
        { ...headers, ...retryAfter(error.violation.retryAfterMs) },
        rateLimitMessage(error.violation),
      );
    case "injected":
      return reply(error.status, { ...headers, ...retryAfter(secondsToMs(error.retryAfterSeconds)) }, injectedMessage(error.status));
  }
}

export function anthropicLimitHeaders(limits: LimitSnapshot, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, state] of [
    ["requests", limits.requests],
    ["tokens", limits.tokens],
  ] as const) {
    if (state === undefined) continue;
    headers[`anthropic-ratelimit-${name}-limit`] = String(state.limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(state.remaining);
    headers[`anthropic-ratelimit-${name}-reset`] = new Date(now + state.resetMs).toISOString();
  }
  return headers;
}

function retryAfter(retryAfterMs: number | undefined): Record<string, string> {
  return retryAfterMs === undefined ? {} : { "retry-after": String(ceilSeconds(retryAfterMs)) };
}

function rateLimitMessage(violation: LimitViolation): string {
  const what = {
    rpm: "requests per minute",
    tpm: "tokens per minute",
    rpd: "requests per day",
  }[violation.kind];
  const tail =
    violation.retryAfterMs === undefined
      ? "This request alone is larger than the limit; please reduce the prompt length or the maximum tokens requested."
      : "You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.";
  return `This request would exceed the rate limit for your organization (simulator) of ${violation.limit} ${what}. ${tail}`;
}

function injectedMessage(status: number): string {
  switch (status) {
    case 401:
      return "invalid x-api-key";
    case 429:
      return "Number of request tokens has exceeded your per-minute rate limit. Please try again later.";
    case 500:
      return "Internal server error";
    case 529:
      return "Overloaded";
    default:
      return `Request failed with status ${status} (injected by the simulator).`;
  }
}

function reply(status: number, headers: Record<string, string>, message: string): HttpReply {
  const type = errorTypes[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
  return { status, headers, body: { type: "error", error: { type, message } } };
}
