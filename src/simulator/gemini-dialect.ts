import { headerValue, type Dialect } from "./dialect.js";
import { formatProtoDuration } from "./format-duration.js";
import type { LimitViolation } from "./limits.js";
import { secondsToMs } from "./openai-dialect.js";
import type { HttpReply, SimError } from "./sim-error.js";

/**
 * Gemini (Generative Language API): the `x-goog-api-key` header or `?key=`,
 * google.rpc.Status bodies, no rate-limit headers (the wait is in the 429
 * body's RetryInfo.retryDelay). As Google does, an unknown, deleted or revoked
 * key is 400 INVALID_ARGUMENT with reason API_KEY_INVALID; a request with no
 * key at all is 403 PERMISSION_DENIED.
 */
export const geminiDialect: Dialect = {
  name: "gemini",
  requestIdHeader: undefined,
  credential: (headers, url) => headerValue(headers, "x-goog-api-key") ?? nonEmpty(url.searchParams.get("key")),
  error: (error) => geminiError(error),
  limitHeaders: () => ({}),
};

const statusNames: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  409: "ABORTED",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  499: "CANCELLED",
  500: "INTERNAL",
  501: "NOT_IMPLEMENTED",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

function geminiError(error: SimError): HttpReply {
  switch (error.kind) {
    case "missing_credential":
      return reply(
        403,
        "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API.",
        [],
      );
    case "invalid_credential":
      return reply(400, "API key not valid. Please pass a valid API key.", [
        {
          "@type": "type.googleapis.com/google.rpc.ErrorInfo",
          reason: "API_KEY_INVALID",
          domain: "googleapis.com",
          metadata: { service: "generativelanguage.googleapis.com" },
        },
        {
          "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
          locale: "en-US",
          message: "API key not valid. Please pass a valid API key.",
        },
      ]);
    case "malformed_json":
      return reply(400, "Invalid JSON payload received. Unexpected token.", []);
    case "bad_request":
      return reply(400, error.message, []);
    case "body_too_large":
      return reply(413, `Request payload size exceeds the limit: ${error.limitBytes} bytes.`, []);
    case "not_found":
      return reply(404, `Requested entity was not found: ${error.method} ${error.path}`, []);
    case "rate_limited":
      return reply(429, "Resource has been exhausted (e.g. check quota).", [
        quotaFailure(error.violation, error.model),
        ...retryInfo(error.violation.kind === "rpd" && error.dailyRetryDelayMs !== undefined ? error.dailyRetryDelayMs : error.violation.retryAfterMs),
      ]);
    case "injected":
      return reply(error.status, injectedMessage(error.status), error.status === 429 || error.status >= 500 ? retryInfo(secondsToMs(error.retryAfterSeconds)) : []);
  }
}

const quotaIds = {
  rpm: ["generate_content_requests", "GenerateRequestsPerMinutePerProjectPerModel"],
  tpm: ["generate_content_input_token_count", "GenerateContentInputTokensPerModelPerMinute"],
  rpd: ["generate_content_requests", "GenerateRequestsPerDayPerProjectPerModel"],
} as const;

function quotaFailure(violation: LimitViolation, model: string): object {
  const [metric, quotaId] = quotaIds[violation.kind];
  return {
    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
    violations: [
      {
        quotaMetric: `generativelanguage.googleapis.com/${metric}`,
        quotaId,
        quotaDimensions: { location: "global", model },
        quotaValue: String(violation.limit),
      },
    ],
  };
}

function retryInfo(retryAfterMs: number | undefined): object[] {
  if (retryAfterMs === undefined) return [];
  return [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: formatProtoDuration(retryAfterMs) }];
}

function injectedMessage(status: number): string {
  switch (status) {
    case 429:
      return "Resource has been exhausted (e.g. check quota).";
    case 500:
      return "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting";
    case 503:
      return "The model is overloaded. Please try again later.";
    default:
      return `Request failed with status ${status} (injected by the simulator).`;
  }
}

function reply(status: number, message: string, details: object[]): HttpReply {
  const error: Record<string, unknown> = { code: status, message, status: statusNames[status] ?? "UNKNOWN" };
  if (details.length > 0) error["details"] = details;
  return { status, headers: {}, body: { error } };
}

function nonEmpty(value: string | null): string | undefined {
  return value === null || value.length === 0 ? undefined : value;
}
