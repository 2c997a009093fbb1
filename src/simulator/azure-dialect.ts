import { bearerToken, headerValue, type Dialect } from "./dialect.js";
import { ceilSeconds } from "./format-duration.js";
import type { LimitSnapshot } from "./limits.js";
import { openaiError, retryHeaders, secondsToMs } from "./openai-dialect.js";
import type { HttpReply, SimError } from "./sim-error.js";

/**
 * Azure OpenAI: the `api-key` header (or an Entra bearer token), Azure's own
 * `{"error":{"code":"401","message":...}}` bodies for gateway errors,
 * OpenAI's bodies for request validation, and only the remaining-* headers.
 */
export const azureDialect: Dialect = {
  name: "azure",
  requestIdHeader: "x-request-id",
  credential: (headers) => headerValue(headers, "api-key") ?? bearerToken(headers),
  error: (error, limits) => azureError(error, limits),
  limitHeaders: (limits) => azureLimitHeaders(limits),
};

function azureError(error: SimError, limits: LimitSnapshot | undefined): HttpReply {
  const headers = limits === undefined ? {} : azureLimitHeaders(limits);
  switch (error.kind) {
    case "missing_credential":
      return reply(
        401,
        {},
        "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
      );
    case "invalid_credential":
      return reply(
        401,
        {},
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
      );
    case "not_found":
      return reply(404, {}, "Resource not found");
    case "rate_limited": {
      const { violation } = error;
      const what = violation.kind === "tpm" ? "token rate limit" : violation.kind === "rpd" ? "daily call quota" : "call rate limit";
      const message =
        violation.retryAfterMs === undefined
          ? `Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded ${what} of your current OpenAI S0 pricing tier. The request is larger than the limit.`
          : `Requests to the ChatCompletions_Create Operation under Azure OpenAI API have exceeded ${what} of your current OpenAI S0 pricing tier. Please retry after ${ceilSeconds(violation.retryAfterMs)} seconds.`;
      return reply(429, { ...headers, ...retryHeaders(violation.retryAfterMs) }, message);
    }
    case "injected":
      return reply(
        error.status,
        { ...headers, ...retryHeaders(secondsToMs(error.retryAfterSeconds)) },
        `Request failed with status ${error.status} (injected by the simulator).`,
      );
    default:
      // Request validation errors come from the OpenAI service behind Azure, in its format.
      return openaiError(error, undefined);
  }
}

function azureLimitHeaders(limits: LimitSnapshot): Record<string, string> {
  const headers: Record<string, string> = {};
  if (limits.requests !== undefined) headers["x-ratelimit-remaining-requests"] = String(limits.requests.remaining);
  if (limits.tokens !== undefined) headers["x-ratelimit-remaining-tokens"] = String(limits.tokens.remaining);
  return headers;
}

function reply(status: number, headers: Record<string, string>, message: string): HttpReply {
  return { status, headers, body: { error: { code: String(status), message } } };
}
