import type { HeaderReader } from "./header-reader.js";
import type { CallOutcome, OutcomeName } from "../protocol/outcome.js";
import { safeMessage } from "./safe-message.js";
import { errorDetails, retryAfterMsFromBody, retryAfterMsFromHeaders } from "./retry-after.js";

export interface HttpOutcomeOptions {
  /** Secrets to keep out of the error message (the leased key). */
  readonly secrets?: readonly string[];
  readonly nowMs?: number;
}

/**
 * The outcome of a provider HTTP response, from its status, headers and
 * (parsed JSON or text) body, the way each provider signals it:
 * - 2xx success; 401/403 unauthorized, and Gemini's 400 `API_KEY_INVALID` too
 *   (Google answers an invalid or deleted key that way);
 * - 429 rate limited, unless the body says a quota is used up (OpenAI
 *   `insufficient_quota`, a Gemini per-day QuotaFailure): quota exhausted;
 * - 408/504 timeout, 499 cancelled, other 5xx (Anthropic's 529 included) server error, other 4xx client error.
 * The retry delay comes from the headers, then from a Gemini RetryInfo in the body.
 */
export function outcomeFromHttp(status: number, header: HeaderReader, body: unknown, options: HttpOutcomeOptions = {}): CallOutcome {
  const outcome = classify(status, body);
  const retryAfterMs =
    outcome === "success" ? undefined : (retryAfterMsFromHeaders(header, options.nowMs) ?? retryAfterMsFromBody(body));
  const message = outcome === "success" ? undefined : errorText(body);
  return {
    outcome,
    httpStatus: status,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    ...(message === undefined || message === "" ? {} : { errorMessage: safeMessage(message, options.secrets) }),
  };
}

function classify(status: number, body: unknown): OutcomeName {
  if (status >= 200 && status < 300) return "success";
  if (status === 429) return isQuotaExhausted(body) ? "quota_exhausted" : "rate_limited";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 400 && isInvalidKey(body)) return "unauthorized";
  if (status === 408 || status === 504) return "timeout";
  if (status === 499) return "cancelled";
  if (status >= 500) return "server_error";
  if (status >= 400) return "client_error";
  // 1xx/3xx reaching a caller means the call did not do what was asked, but not through the key.
  return "client_error";
}

function isQuotaExhausted(body: unknown): boolean {
  const error = innerError(body);
  if (error?.["code"] === "insufficient_quota" || error?.["type"] === "insufficient_quota") return true;
  return errorDetails(body).some((d) => {
    const violations = d["violations"];
    return (
      Array.isArray(violations) &&
      violations.some((v: unknown) => {
        const id = v !== null && typeof v === "object" ? (v as Record<string, unknown>)["quotaId"] : undefined;
        return typeof id === "string" && /PerDay/i.test(id);
      })
    );
  });
}

function isInvalidKey(body: unknown): boolean {
  return errorDetails(body).some((d) => typeof d["reason"] === "string" && d["reason"].startsWith("API_KEY_"));
}

/** `{error: {...}}` (OpenAI, Gemini, Anthropic's `{type: "error", error}`), or the body itself when it is the error. */
export function innerError(body: unknown): Record<string, unknown> | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const record = body as Record<string, unknown>;
  const error = record["error"];
  if (error !== null && typeof error === "object") return error as Record<string, unknown>;
  return typeof record["message"] === "string" ? record : undefined;
}

/** The provider's own short description: `code: message`. */
export function errorText(body: unknown): string | undefined {
  if (typeof body === "string") return body.slice(0, 1000);
  const error = innerError(body);
  if (error === undefined) return undefined;
  const message = typeof error["message"] === "string" ? error["message"] : "";
  const code = [error["code"], error["status"], error["type"]].find((c) => typeof c === "string" && c.length > 0) as string | undefined;
  return code === undefined ? message : message === "" ? code : `${code}: ${message}`;
}

/** Parses a response body as JSON when it looks like JSON, else keeps the text. */
export function parseBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}
