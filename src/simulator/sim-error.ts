import type { LimitViolation } from "./limits.js";

/** A refusal, before the provider dialect turns it into its own status, headers and body. */
export type SimError =
  | { kind: "missing_credential" }
  /** Unknown or revoked key; `masked` is safe to echo. */
  | { kind: "invalid_credential"; masked: string }
  | { kind: "bad_request"; message: string; param?: string | null; code?: string | null }
  | { kind: "malformed_json" }
  | { kind: "body_too_large"; limitBytes: number }
  | { kind: "not_found"; method: string; path: string }
  /** `dailyRetryDelayMs`: what Gemini says in RetryInfo on a per-day quota, when set. */
  | { kind: "rate_limited"; violation: LimitViolation; model: string; dailyRetryDelayMs?: number | undefined }
  | { kind: "injected"; status: number; retryAfterSeconds: number | undefined };

/** What goes on the wire. */
export interface HttpReply {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
