import { bearerToken, type Dialect } from "./dialect.js";
import { ceilSeconds, formatGoDuration } from "./format-duration.js";
import type { LimitSnapshot, LimitViolation } from "./limits.js";
import type { HttpReply, SimError } from "./sim-error.js";

const rateLimitsUrl = "https://platform.openai.com/account/rate-limits";

/**
 * OpenAI and every OpenAI-compatible provider (OpenRouter, DeepSeek, Groq,
 * Mistral, Together, xAI): `Authorization: Bearer`, `{"error":{message,type,param,code}}`
 * bodies, x-ratelimit-* headers on every reply, retry-after and
 * retry-after-ms on a 429.
 */
export const openaiDialect: Dialect = {
  name: "openai",
  requestIdHeader: "x-request-id",
  credential: (headers) => bearerToken(headers),
  error: (error, limits) => openaiError(error, limits),
  limitHeaders: (limits) => openaiLimitHeaders(limits),
};

export function openaiError(error: SimError, limits: LimitSnapshot | undefined): HttpReply {
  const headers = limits === undefined ? {} : openaiLimitHeaders(limits);
  switch (error.kind) {
    case "missing_credential":
      return reply(401, headers, {
        message:
          "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
        type: "invalid_request_error",
        param: null,
        code: null,
      });
    case "invalid_credential":
      return reply(401, {}, {
        message: `Incorrect API key provided: ${error.masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: "invalid_request_error",
        param: null,
        code: "invalid_api_key",
      });
    case "malformed_json":
      return reply(400, headers, {
        message:
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        type: "invalid_request_error",
        param: null,
        code: null,
      });
    case "bad_request":
      return reply(400, headers, {
        message: error.message,
        type: "invalid_request_error",
        param: error.param ?? null,
        code: error.code ?? null,
      });
    case "body_too_large":
      return reply(413, headers, {
        message: `Request body too large. The maximum is ${error.limitBytes} bytes.`,
        type: "invalid_request_error",
        param: null,
        code: null,
      });
    case "not_found":
      return reply(404, {}, {
        message: `Invalid URL (${error.method} ${error.path})`,
        type: "invalid_request_error",
        param: null,
        code: null,
      });
    case "rate_limited":
      return reply(429, { ...headers, ...retryHeaders(error.violation.retryAfterMs) }, {
        message: rateLimitMessage(error.violation, error.model),
        type: error.violation.kind === "tpm" ? "tokens" : "requests",
        param: null,
        code: "rate_limit_exceeded",
      });
    case "injected":
      return reply(
        error.status,
        { ...headers, ...retryHeaders(secondsToMs(error.retryAfterSeconds)) },
        injectedBody(error.status),
      );
  }
}

export function openaiLimitHeaders(limits: LimitSnapshot): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, state] of [
    ["requests", limits.requests],
    ["tokens", limits.tokens],
  ] as const) {
    if (state === undefined) continue;
    headers[`x-ratelimit-limit-${name}`] = String(state.limit);
    headers[`x-ratelimit-remaining-${name}`] = String(state.remaining);
    headers[`x-ratelimit-reset-${name}`] = formatGoDuration(state.resetMs);
  }
  return headers;
}

/** retry-after in whole seconds (rounded up) and retry-after-ms exact, as OpenAI and Azure send them. */
export function retryHeaders(retryAfterMs: number | undefined): Record<string, string> {
  if (retryAfterMs === undefined) return {};
  return { "retry-after": String(ceilSeconds(retryAfterMs)), "retry-after-ms": String(Math.ceil(retryAfterMs)) };
}

export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}

function rateLimitMessage(violation: LimitViolation, model: string): string {
  const scope = {
    rpm: "requests per min (RPM)",
    tpm: "tokens per min (TPM)",
    rpd: "requests per day (RPD)",
  }[violation.kind];
  if (violation.retryAfterMs === undefined) {
    return `Request too large for ${model} in organization org-simulator on ${scope}: Limit ${violation.limit}, Requested ${violation.requested}. The input or output tokens must be reduced in order to run successfully. Visit ${rateLimitsUrl} to learn more.`;
  }
  return `Rate limit reached for ${model} in organization org-simulator on ${scope}: Limit ${violation.limit}, Used ${violation.used}, Requested ${violation.requested}. Please try again in ${formatGoDuration(violation.retryAfterMs)}. Visit ${rateLimitsUrl} to learn more.`;
}

function injectedBody(status: number): object {
  const error = (message: string, type: string, code: string | null) => ({ message, type, param: null, code });
  switch (status) {
    case 400:
      return error("Invalid request (injected by the simulator).", "invalid_request_error", null);
    case 401:
      return error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    case 403:
      return error("You are not allowed to access this resource.", "invalid_request_error", "unsupported_country_region_territory");
    case 404:
      return error("The model does not exist or you do not have access to it.", "invalid_request_error", "model_not_found");
    case 429:
      return error(
        `Rate limit reached in organization org-simulator. Please try again later. Visit ${rateLimitsUrl} to learn more.`,
        "requests",
        "rate_limit_exceeded",
      );
    case 503:
      return error("The engine is currently overloaded, please try again later.", "server_error", null);
    default:
      return status >= 500
        ? error("The server had an error while processing your request. Sorry about that!", "server_error", null)
        : error(`Request failed with status ${status}.`, "invalid_request_error", null);
  }
}

function reply(status: number, headers: Record<string, string>, error: object): HttpReply {
  return { status, headers, body: { error } };
}
