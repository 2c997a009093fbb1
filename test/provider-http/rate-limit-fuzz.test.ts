import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRateLimits } from "../../src/provider-http/rate-limits/parse-rate-limits.js";
import { fuzzRuns } from "../support/fuzz-runs.js";

const secret = "sk-PlantedSecret-9f8e7d6c5b4a";

const headerNames = [
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
  "x-ratelimit-limit",
  "x-ratelimit-remaining",
  "x-ratelimit-reset",
  "anthropic-ratelimit-requests-reset",
  "anthropic-ratelimit-tokens-remaining",
  "anthropic-ratelimit-output-tokens-limit",
  "retry-after",
  "retry-after-ms",
];

/** Values that look almost right, hostile ones, and ones carrying the secret. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.nat().map(String),
  fc.constantFrom("6m0s", "1.5s", "12ms", "2026-01-15T20:00:01Z", secret, `${secret}s`, "9".repeat(400), "1h".repeat(100)),
);

const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constantFrom(secret, "GenerateRequestsPerDayPerProjectPerModel-FreeTier", "2s", "gemini-2.5-pro", "insufficient_quota", "type.googleapis.com/google.rpc.QuotaFailure", "type.googleapis.com/google.rpc.RetryInfo"),
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("error", "details", "@type", "violations", "quotaId", "quotaDimensions", "model", "quotaValue", "retryDelay", "code", secret), tie("value"), { maxKeys: 5 }),
  ),
})).value;

const body = fc.oneof(
  jsonish.map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }).map((s) => s + secret),
  fc.uint8Array({ maxLength: 300 }),
  fc.constant(`{"a":"${secret}","b":"${"x".repeat(20_000)}"}`),
  fc.constant("[".repeat(20_000)),
);

describe("rate-limit parsers under hostile input", () => {
  it("never throw, never echo a planted secret, and keep only numbers and ids", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("openai", "azure", "anthropic", "google", "groq", "openrouter", "mistral"),
        fc.constantFrom(200, 400, 402, 429, 500, 0),
        fc.dictionary(fc.oneof(fc.constantFrom(...headerNames), fc.string({ maxLength: 10 })), headerValue, { maxKeys: 12 }),
        body,
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (provider, status, headers, errorBody, now) => {
          const parsed = parseRateLimits({ provider, status, headers, errorBody, now });
          const text = JSON.stringify(parsed);
          expect(text).not.toContain("PlantedSecret");
          for (const fact of parsed.limits) {
            for (const n of [fact.limit, fact.remaining, fact.resetAt]) if (n !== undefined) expect(Number.isFinite(n) && n >= 0).toBe(true);
          }
          if (parsed.retryAfterMs !== undefined) expect(parsed.retryAfterMs).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: fuzzRuns(500) },
    );
  });

  it("plants the secret where ids are read and still does not echo it", () => {
    const parsed = parseRateLimits({
      provider: "google",
      status: 429,
      headers: {},
      now: 0,
      errorBody: JSON.stringify({
        error: {
          message: `API key ${secret} over quota`,
          details: [
            { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: secret, quotaDimensions: { model: secret } }, { quotaId: "GenerateRequestsPerDayPerProjectPerModel", quotaDimensions: { model: secret }, quotaValue: secret }] },
            { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: secret },
          ],
        },
      }),
    });
    expect(JSON.stringify(parsed)).not.toContain("PlantedSecret");
    // The well-formed violation still counts: the day quota is seen, without the planted fields.
    expect(parsed.exhausted?.reason).toBe("daily_quota");
    expect(parsed.limits).toHaveLength(1);
  });
});
