/**
 * What happened to a provider call, by name. The same names as the broker's
 * core uses, so that code outside gRPC (an HTTP proxy) can use the pure
 * helpers of this client without the generated stubs.
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
