import type { ErrorCode, KeypoolError } from "./keypool-error.js";

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
