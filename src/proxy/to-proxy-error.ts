import { httpStatusOf } from "../protocol/http-error.js";
import { KeypoolError, type ErrorReason } from "../protocol/keypool-error.js";
import { ProxyError } from "./proxy-error.js";

/** The proxy's stable snake_case `error.code` for each reason, as its clients already match on them. */
const proxyCodes: Partial<Readonly<Record<ErrorReason, string>>> = {
  UNAUTHENTICATED: "invalid_client_token",
  PERMISSION_DENIED: "provider_not_allowed",
  NOT_FOUND: "unknown_provider",
  POOL_BUSY: "pool_busy",
  CLIENT_LIMITED: "pool_busy",
  RESOURCE_EXHAUSTED: "pool_busy",
  ALL_KEYS_DISABLED: "no_usable_key",
  NO_KEY_CAN_SERVE: "no_key_serves_request",
  FAILED_PRECONDITION: "no_key_serves_request",
  INVALID_FIELD: "invalid_request",
  INVALID_CONFIG: "invalid_request",
  UNAVAILABLE: "unavailable",
  CANCELLED: "cancelled",
  DEADLINE_EXCEEDED: "upstream_timeout",
};

/** How long a client waits before retrying an answer that names no delay. */
const DEFAULT_RETRY_MS = 1000;

/**
 * The one mapping from anything thrown while serving a proxy request to the
 * HTTP answer. A ProxyError stays; a KeypoolError (authentication, the pool's
 * refusals) keeps its safe message under the status of the one HTTP mapping,
 * its reason telling the pool's refusals apart. Anything else is a 500 with a
 * generic message (the caller logs the detail).
 */
export function toProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  const code = err instanceof KeypoolError ? proxyCodes[err.reason] : undefined;
  if (!(err instanceof KeypoolError) || code === undefined) return new ProxyError(500, "internal", "keypool: internal error");
  const status = httpStatusOf(err);
  const retry = status === 429 || err.code === "UNAVAILABLE" ? (err.retryAfterMs ?? DEFAULT_RETRY_MS) : undefined;
  return new ProxyError(status, code, `keypool: ${err.message}`, retry);
}
