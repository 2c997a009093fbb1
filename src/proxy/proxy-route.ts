/** A proxied request's target: the provider named by the first path segment, and the rest of the URL. */
export interface ProxyRoute {
  /** Provider name, lowercased as the pool keeps it. */
  readonly provider: string;
  /** The path after `/{provider}`, starting with "/" ("/" when nothing follows). */
  readonly path: string;
  /** The query string with its "?", or "". */
  readonly search: string;
}

const PROVIDER = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/**
 * Splits `/{provider}/<rest>?query` (the request target as received).
 * Undefined when the first segment is no provider name: then there is
 * nothing to route to.
 */
export function parseProxyRoute(target: string): ProxyRoute | undefined {
  if (!target.startsWith("/")) return undefined;
  const q = target.indexOf("?");
  const pathname = q < 0 ? target : target.slice(0, q);
  const search = q < 0 ? "" : target.slice(q);
  const slash = pathname.indexOf("/", 1);
  let provider: string;
  try {
    provider = decodeURIComponent(slash < 0 ? pathname.slice(1) : pathname.slice(1, slash)).toLowerCase();
  } catch {
    return undefined;
  }
  if (!PROVIDER.test(provider)) return undefined;
  const path = slash < 0 ? "/" : pathname.slice(slash);
  return { provider, path, search };
}
