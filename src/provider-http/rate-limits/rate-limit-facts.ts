/**
 * What a provider's answer says about its rate limits, in one shape for
 * every dialect. Only numbers, ids and names known in advance are kept: a
 * provider may quote part of the key in a body, so nothing else of it is.
 */

/** Who a limit belongs to, as the provider counts it. */
export type RateLimitScope = "key" | "project" | "organization" | "deployment";

export type RateLimitDimension = "requests" | "tokens" | "input_tokens" | "output_tokens";

export type RateLimitWindow = "ten_seconds" | "minute" | "day";

/** Where a fact was read. */
export type RateLimitSource =
  | "openai-headers"
  | "azure-headers"
  | "anthropic-headers"
  | "groq-headers"
  | "openrouter-headers"
  | "gemini-quota-failure";

/** One limit as the provider reported it. Absent fields were not sent (or not readable). */
export interface RateLimitFact {
  scope: RateLimitScope;
  /** The model the limit applies to, when the provider or the request names one. */
  model?: string;
  dimension: RateLimitDimension;
  window?: RateLimitWindow;
  limit?: number;
  remaining?: number;
  /** When the window is back to full, in epoch milliseconds. */
  resetAt?: number;
  /** The provider's own name of the quota (Gemini's quotaId), an id, never free text. */
  quotaId?: string;
  source: RateLimitSource;
}

/** Why a key (or its scope) cannot serve until a reset or a recheck, whatever a retry hint says. */
export type ExhaustionReason = "daily_quota" | "spend_limit" | "payment_required";

export interface QuotaExhaustion {
  reason: ExhaustionReason;
  scope: RateLimitScope;
  model?: string;
  /** Known for a daily quota (the provider's reset); absent for money, which needs a recheck. */
  resetAt?: number;
  source: RateLimitSource | "http-status" | "error-code";
}

/** A value that was missing, malformed or too long and so was ignored. The value itself is never repeated. */
export interface ParseNote {
  /** A header name or body path from the parser's own fixed list. */
  field: string;
  reason: string;
}

export interface ParsedRateLimits {
  limits: RateLimitFact[];
  /** The wait the provider asked for (Retry-After, retry-after-ms, Gemini's RetryInfo.retryDelay). */
  retryAfterMs?: number;
  exhausted?: QuotaExhaustion;
  /** For a debug-level log line; safe to print. */
  notes: ParseNote[];
}

/** The dialects keypool reads; other providers' names map onto one of them. */
export type RateLimitDialect = "openai" | "azure" | "anthropic" | "groq" | "openrouter" | "gemini";

/** One provider answer, as a caller reports it. */
export interface ProviderAnswer {
  /** The provider's name as configured (e.g. "openai", "google", "deepseek"). */
  provider: string;
  /** HTTP status of the answer; 0 when unknown. */
  status: number;
  /** Lower-case header names. */
  headers: Readonly<Record<string, string>>;
  /** The first bytes of a non-2xx body, if any. */
  errorBody?: string | Uint8Array;
  /** The model the request asked for, if known. */
  model?: string;
  /** Epoch milliseconds the answer arrived at; resets are computed from it. */
  now: number;
}
