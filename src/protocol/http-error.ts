import type { ErrorCode, ErrorReason, KeypoolError } from "./keypool-error.js";

/** An error as an HTTP answer: status, a stable snake_case code for the body, and when to retry. */
export interface HttpErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly retryAfterMs?: number | undefined;
}

const statusByCode: Readonly<Record<ErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  RESOURCE_EXHAUSTED: 429,
  // A precondition the caller can change (its request, a listen address); the disabled pool is the server's state, below.
  FAILED_PRECONDITION: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  CANCELLED: 499,
  UNIMPLEMENTED: 501,
  INTERNAL: 500,
  UNKNOWN: 500,
};

/**
 * The one mapping of keypool's error to an HTTP status, used by the admin
 * server, the proxy and `pool.fetch`. Every key disabled is the service's
 * state, not the request's fault: 503, so that clients treat it as an outage.
 */
export function httpStatusOf(err: KeypoolError): number {
  return err.reason === "ALL_KEYS_DISABLED" ? 503 : statusByCode[err.code];
}

/**
 * Headers that tell a client when to come back: seconds for everyone,
 * milliseconds for the SDKs that read them (OpenAI's and Anthropic's). The
 * only place keypool writes them.
 */
export function retryHeaders(retryAfterMs: number): Record<string, string> {
  const ms = Math.max(1, Math.ceil(retryAfterMs));
  return { "retry-after": String(Math.ceil(ms / 1000)), "retry-after-ms": String(ms) };
}

/** The stable snake_case `error.code` of each reason in HTTP bodies, as the proxy's clients already match on them. */
const bodyCodes: Readonly<Record<ErrorReason, string>> = {
  INVALID_FIELD: "invalid_request",
  INVALID_CONFIG: "invalid_request",
  POOL_BUSY: "pool_busy",
  CLIENT_LIMITED: "pool_busy",
  RESOURCE_EXHAUSTED: "pool_busy",
  ALL_KEYS_DISABLED: "no_usable_key",
  NO_KEY_CAN_SERVE: "no_key_serves_request",
  FAILED_PRECONDITION: "no_key_serves_request",
  UNAUTHENTICATED: "invalid_client_token",
  PERMISSION_DENIED: "provider_not_allowed",
  NOT_FOUND: "unknown_provider",
  UNAVAILABLE: "unavailable",
  CANCELLED: "cancelled",
  DEADLINE_EXCEEDED: "upstream_timeout",
  UNIMPLEMENTED: "internal",
  INTERNAL: "internal",
  UNKNOWN: "internal",
};

/** How long a client waits before retrying a busy or unavailable answer that names no delay. */
const DEFAULT_RETRY_MS = 1000;

/**
 * keypool's error as an HTTP answer under `message`: the status of the one
 * mapping, the body code of its reason, and a retry delay for every 429 and
 * 503 (the pool's own, else a second). An internal error's message is the
 * caller's to choose: it never passes the original on.
 */
export function httpErrorOf(err: KeypoolError, message: string): HttpErrorAnswer {
  const status = httpStatusOf(err);
  const retry = status === 429 || err.code === "UNAVAILABLE" ? (err.retryAfterMs ?? DEFAULT_RETRY_MS) : undefined;
  return { status, code: bodyCodes[err.reason], message, retryAfterMs: retry };
}
