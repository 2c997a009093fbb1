import type { OutcomeName } from "../protocol/outcome.js";

/** How one attempt with one key ended, as far as failover is concerned. */
export type AttemptEnd =
  /** The upstream answered with this status and outcome; nothing reached the client yet. */
  | { readonly kind: "answer"; readonly status: number; readonly outcome: OutcomeName }
  /** No answer: the connection failed (refused, reset, connect timeout) or the upstream was too slow. */
  | { readonly kind: "no_answer"; readonly connectionFailed: boolean };

export interface FailoverPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly retryServerErrors: boolean;
  /** Whether a key the provider rejected (401/403, Gemini's invalid key) is worth another key. Default true. */
  readonly retryRejectedKeys?: boolean;
}

/**
 * Whether to try the request again with another key, decided before any byte
 * reached the caller (the proxy and `pool.fetch` alike): after a 429 (rate
 * limit or quota: the key cools down), a 401/403 or Gemini's invalid-key 400
 * (the key is disabled) unless told otherwise, a failed connection, and —
 * when asked — a 5xx; within `maxAttempts` (`attempt` counts from 1) and
 * while time is left. A timeout is not retried: the upstream may still be working, and
 * the client's deadline is spent.
 */
export function shouldRetry(end: AttemptEnd, attempt: number, policy: FailoverPolicy, remainingMs: number): boolean {
  if (attempt >= policy.maxAttempts || remainingMs <= 0) return false;
  if (end.kind === "no_answer") return end.connectionFailed;
  switch (end.outcome) {
    case "rate_limited":
    case "quota_exhausted":
      return true;
    case "unauthorized":
      return policy.retryRejectedKeys ?? true;
    case "server_error":
      return policy.retryServerErrors && end.status >= 500;
    default:
      return false;
  }
}

/** Error codes of a connection that failed before the upstream answered (Node and undici). */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
]);

/** True when an error of the upstream call means the connection failed (worth another key), not a timeout or abort. */
export function isConnectionFailure(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; depth < 3 && e !== null && typeof e === "object"; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && CONNECTION_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
