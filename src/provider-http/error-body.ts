import type { HttpErrorAnswer } from "../protocol/http-error.js";
import type { ProviderApi } from "./provider-api.js";

const ANTHROPIC_TYPES: Readonly<Record<number, string>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  431: "invalid_request_error",
};

const GOOGLE_STATUS: Readonly<Record<number, string>> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  413: "INVALID_ARGUMENT",
  429: "RESOURCE_EXHAUSTED",
  431: "INVALID_ARGUMENT",
  499: "CANCELLED",
  500: "INTERNAL",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED",
};

/**
 * An error body in the format the client's SDK parses, so its own error
 * classes and messages work: OpenAI `{error: {message, type, param, code}}`
 * (Azure alike), Anthropic `{type: "error", error: {type, message}}`, Gemini's
 * google.rpc.Status `{error: {code, message, status, details}}` (with a
 * RetryInfo when there is a delay). Each carries `error.code` and
 * `error.message`; without a known API the body is just that.
 */
export function errorBody(api: ProviderApi | undefined, err: HttpErrorAnswer): unknown {
  switch (api) {
    case "openai":
    case "azure":
      return { error: { message: err.message, type: "keypool_error", param: null, code: err.code } };
    case "anthropic":
      return { type: "error", error: { type: ANTHROPIC_TYPES[err.status] ?? "api_error", message: err.message, code: err.code } };
    case "gemini": {
      const details: unknown[] = [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: err.code.toUpperCase(), domain: "keypool" }];
      if (err.retryAfterMs !== undefined) {
        details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: `${(err.retryAfterMs / 1000).toFixed(3)}s` });
      }
      return { error: { code: err.status, message: err.message, status: GOOGLE_STATUS[err.status] ?? "UNKNOWN", details } };
    }
    default:
      return { error: { code: err.code, message: err.message } };
  }
}
