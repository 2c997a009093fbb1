import { httpErrorOf } from "../protocol/http-error.js";
import { KeypoolError } from "../protocol/keypool-error.js";
import { ProxyError } from "./proxy-error.js";

const INTERNAL_CODES = new Set(["INTERNAL", "UNIMPLEMENTED", "UNKNOWN"]);

/**
 * The one mapping from anything thrown while serving a proxy request to the
 * HTTP answer. A ProxyError stays; a KeypoolError (authentication, the pool's
 * refusals) keeps its safe message under the one HTTP mapping, whose reason
 * tells the pool's refusals apart. Anything else is a 500 with a generic
 * message (the caller logs the detail).
 */
export function toProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  if (!(err instanceof KeypoolError) || INTERNAL_CODES.has(err.code)) return new ProxyError(500, "internal", "keypool: internal error");
  const answer = httpErrorOf(err, `keypool: ${err.message}`);
  return new ProxyError(answer.status, answer.code, answer.message, answer.retryAfterMs);
}
