/**
 * What happened to a provider call made with a leased key, by name: the one
 * list that the pool, the transports and the clients share.
 */
export type OutcomeName =
  | "success"
  | "rate_limited"
  | "quota_exhausted"
  | "unauthorized"
  | "server_error"
  | "client_error"
  | "timeout"
  | "cancelled";

/** The core's name for an outcome name. */
export type Outcome = OutcomeName;

export const outcomes: readonly OutcomeName[] = [
  "success",
  "rate_limited",
  "quota_exhausted",
  "unauthorized",
  "server_error",
  "client_error",
  "timeout",
  "cancelled",
];

/**
 * The outcome an HTTP status stands for, when the caller reported only the
 * status. Undefined when the status says nothing (0, 1xx, 3xx).
 */
export function outcomeFromHttpStatus(status: number): OutcomeName | undefined {
  if (status >= 200 && status < 300) return "success";
  if (status === 429) return "rate_limited";
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 408 || status === 504) return "timeout";
  if (status === 499) return "cancelled";
  if (status >= 500 && status < 600) return "server_error";
  if (status >= 400 && status < 500) return "client_error";
  return undefined;
}

/** An outcome with what the provider said about it, ready to be reported. */
export interface CallOutcome {
  readonly outcome: OutcomeName;
  /** Upstream HTTP status, when there was a response. */
  readonly httpStatus?: number;
  /** Delay the provider asked for (Retry-After, Gemini's retryDelay, a rate-limit reset). */
  readonly retryAfterMs?: number;
  /** Short reason, safe to show: never the key. */
  readonly errorMessage?: string;
}
