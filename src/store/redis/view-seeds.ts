import type { PersistedUsage } from "../memory/persisted-quota.js";
import type { WindowSpec } from "../../pool/usage-log.js";

/**
 * Requests (with their tokens) that make a fresh log count at least what a
 * key's windows counted when last read, `[at, tokens]` oldest first (as a log records them). The
 * view says how many requests and tokens each window held, not when they
 * came, so each is placed as late as its window allows: the requests the
 * shortest window counts at `at`, those only longer windows count just
 * outside the next shorter span. Every entry then leaves each window no
 * earlier than the real one did: a log seeded so never counts less than the
 * store did.
 *
 * `counts[i]` is [requests, tokens] of `specs[i]`; a window's requests are
 * its log's entries whatever its kind, its tokens are known for token
 * windows only.
 */
export function seedUsage(specs: readonly WindowSpec[], counts: readonly (readonly [number, number])[], at: number): PersistedUsage {
  const bySpan = new Map<number, { requests: number; tokens: number | undefined }>();
  specs.forEach((s, i) => {
    const span = s.perMs + s.marginMs;
    const [requests, tokens] = counts[i] ?? [0, 0];
    const seen = bySpan.get(span) ?? { requests: 0, tokens: undefined };
    seen.requests = Math.max(seen.requests, requests);
    if (s.kind === "tokens") seen.tokens = Math.max(seen.tokens ?? 0, tokens);
    bySpan.set(span, seen);
  });
  const out: [number, number][] = [];
  let requests = 0;
  let tokens = 0;
  let shorter = 0;
  for (const span of [...bySpan.keys()].sort((a, b) => a - b)) {
    const seen = bySpan.get(span) ?? { requests: 0, tokens: undefined };
    const moreRequests = Math.max(0, seen.requests - requests);
    const moreTokens = Math.max(0, (seen.tokens ?? tokens) - tokens);
    const t = at - shorter;
    for (let n = 0; n < moreRequests; n++) out.push([t, n === 0 ? moreTokens : 0]);
    // Tokens without a request of their own ride on the newest entry: counted in every window, never less.
    if (moreRequests === 0 && moreTokens > 0) {
      const newest = out[0];
      if (newest === undefined) {
        out.push([t, moreTokens]);
        requests += 1;
      } else newest[1] += moreTokens;
    }
    requests += moreRequests;
    tokens += moreTokens;
    shorter = span;
  }
  return out.reverse();
}
