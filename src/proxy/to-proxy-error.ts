import { KeypoolError } from "../protocol/keypool-error.js";
import { ProxyError } from "./proxy-error.js";

/**
 * The one mapping from anything thrown while serving a proxy request to the
 * HTTP answer. A ProxyError stays; a KeypoolError (authentication, the pool's
 * refusals) keeps its safe message under the HTTP status that fits a proxy:
 * the pool being full is a 429 with its retry delay, no key being usable a
 * 503, a request no key could ever serve a 400. Anything else is a 500 with a
 * generic message (the caller logs the detail). `everyKeyDisabled` tells the
 * two FAILED_PRECONDITION refusals apart.
 */
export function toProxyError(err: unknown, everyKeyDisabled: () => boolean): ProxyError {
  if (err instanceof ProxyError) return err;
  if (!(err instanceof KeypoolError)) return new ProxyError(500, "internal", "keypool: internal error");
  const message = `keypool: ${err.message}`;
  switch (err.code) {
    case "UNAUTHENTICATED":
      return new ProxyError(401, "invalid_client_token", message);
    case "PERMISSION_DENIED":
      return new ProxyError(403, "provider_not_allowed", message);
    case "NOT_FOUND":
      return new ProxyError(404, "unknown_provider", message);
    case "RESOURCE_EXHAUSTED":
      return new ProxyError(429, "pool_busy", message, err.retryAfterMs ?? 1000);
    case "FAILED_PRECONDITION":
      return everyKeyDisabled()
        ? new ProxyError(503, "no_usable_key", message)
        : new ProxyError(400, "no_key_serves_request", message);
    case "INVALID_ARGUMENT":
      return new ProxyError(400, "invalid_request", message);
    case "UNAVAILABLE":
      return new ProxyError(503, "unavailable", message, 1000);
    case "CANCELLED":
      return new ProxyError(499, "cancelled", message);
    case "DEADLINE_EXCEEDED":
      return new ProxyError(504, "upstream_timeout", message);
    default:
      return new ProxyError(500, "internal", "keypool: internal error");
  }
}
