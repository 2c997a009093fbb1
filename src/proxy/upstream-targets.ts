import { upstreamUrl } from "./upstream-url.js";

/** Where one request goes, as undici takes it. */
export interface UpstreamTarget {
  readonly origin: string;
  /** Path and query, without any `key` parameter (a client may have put its token there). */
  readonly path: string;
}

/**
 * upstreamUrl's answers, remembered for requests without a query (nearly
 * all): building one parses five URLs, more than the rest of the hop's own
 * work. Bounded, since paths come from clients: when full it starts over. A
 * query is never remembered, as it may hold a client's token.
 */
export class UpstreamTargets {
  private readonly known = new Map<string, UpstreamTarget | null>();

  constructor(private readonly capacity = 1024) {}

  /** Undefined when the provider has no built-in origin and the key no base URL. */
  resolve(provider: string, path: string, search: string, keyBaseUrl: string | undefined): UpstreamTarget | undefined {
    if (search !== "") return targetOf(upstreamUrl(provider, path, search, keyBaseUrl));
    // Newlines cannot occur in a request target or a provider name, so the parts cannot run together.
    const id = `${provider}\n${keyBaseUrl ?? ""}\n${path}`;
    let target = this.known.get(id);
    if (target === undefined) {
      target = targetOf(upstreamUrl(provider, path, search, keyBaseUrl)) ?? null;
      if (this.known.size >= this.capacity) this.known.clear();
      this.known.set(id, target);
    }
    return target ?? undefined;
  }
}

function targetOf(url: URL | undefined): UpstreamTarget | undefined {
  if (url === undefined) return undefined;
  if (url.search !== "") url.searchParams.delete("key");
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}
