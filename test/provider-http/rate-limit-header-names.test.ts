import { describe, expect, it } from "vitest";
import { isRateLimitHeader, MAX_RATE_LIMIT_HEADERS, pickRateLimitHeaders } from "../../src/provider-http/rate-limits/rate-limit-header-names.js";

describe("the rate-limit header allow-list", () => {
  it("keeps every header a dialect parser reads and drops cookies, ids and the rest", () => {
    const answer = new Headers({
      "X-RateLimit-Remaining-Requests": "12",
      "x-ratelimit-reset-tokens": "6m0s",
      "x-ratelimit-limit": "200",
      "anthropic-ratelimit-output-tokens-reset": "2026-01-15T20:00:01Z",
      "Retry-After": "3",
      "retry-after-ms": "2500",
      "set-cookie": "session=sk-cookie-secret",
      "openai-organization": "org-private",
      "x-request-id": "req_123",
      "x-ratelimit-": "bare prefix",
      "content-type": "application/json",
    });
    expect(pickRateLimitHeaders(answer)).toEqual({
      "x-ratelimit-remaining-requests": "12",
      "x-ratelimit-reset-tokens": "6m0s",
      "x-ratelimit-limit": "200",
      "anthropic-ratelimit-output-tokens-reset": "2026-01-15T20:00:01Z",
      "retry-after": "3",
      "retry-after-ms": "2500",
    });
  });

  it("reads Node's incoming headers (arrays by their first value) and stays within the sidecar's caps", () => {
    const incoming: Record<string, string | string[] | undefined> = { "x-ratelimit-remaining-tokens": ["7", "8"], "retry-after": undefined, "x-ratelimit-limit-requests": "x".repeat(257) };
    for (let i = 0; i < 100; i++) incoming[`x-ratelimit-extra-${i}`] = String(i);
    const picked = pickRateLimitHeaders(incoming);
    expect(picked["x-ratelimit-remaining-tokens"]).toBe("7");
    expect(picked).not.toHaveProperty("retry-after");
    expect(picked).not.toHaveProperty("x-ratelimit-limit-requests");
    expect(Object.keys(picked)).toHaveLength(MAX_RATE_LIMIT_HEADERS);
    expect(isRateLimitHeader(`x-ratelimit-${"a".repeat(80)}`)).toBe(false);
  });
});
