import { describe, expect, it } from "vitest";
import { parseRateLimits } from "../../src/provider-http/rate-limits/parse-rate-limits.js";
import type { ProviderAnswer } from "../../src/provider-http/rate-limits/rate-limit-facts.js";

const now = Date.parse("2026-01-15T20:00:00Z");
const pacificMidnight = Date.parse("2026-01-16T08:00:00Z");

function answer(provider: string, status: number, headers: Record<string, string>, errorBody?: string, model?: string): ProviderAnswer {
  return { provider, status, headers, now, ...(errorBody === undefined ? {} : { errorBody }), ...(model === undefined ? {} : { model }) };
}

describe("OpenAI headers", () => {
  it("reads limit, remaining and the Go-duration resets of requests and tokens", () => {
    const parsed = parseRateLimits(
      answer(
        "openai",
        200,
        {
          "x-ratelimit-limit-requests": "60",
          "x-ratelimit-limit-tokens": "150000",
          "x-ratelimit-remaining-requests": "59",
          "x-ratelimit-remaining-tokens": "149984",
          "x-ratelimit-reset-requests": "1s",
          "x-ratelimit-reset-tokens": "6m0s",
        },
        undefined,
        "gpt-4o-mini",
      ),
    );
    expect(parsed.limits).toEqual([
      { scope: "organization", model: "gpt-4o-mini", dimension: "requests", window: "minute", limit: 60, remaining: 59, resetAt: now + 1000, source: "openai-headers" },
      { scope: "organization", model: "gpt-4o-mini", dimension: "tokens", window: "minute", limit: 150000, remaining: 149984, resetAt: now + 360_000, source: "openai-headers" },
    ]);
    expect(parsed.notes).toEqual([]);
    expect(parsed.retryAfterMs).toBeUndefined();
    expect(parsed.exhausted).toBeUndefined();
  });

  it("takes retry-after-ms over retry-after on a 429", () => {
    const parsed = parseRateLimits(
      answer("openai", 429, { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "12ms", "retry-after": "1", "retry-after-ms": "12" }, '{"error":{"code":"rate_limit_exceeded","type":"requests"}}'),
    );
    expect(parsed.retryAfterMs).toBe(12);
    expect(parsed.limits).toEqual([{ scope: "organization", dimension: "requests", window: "minute", remaining: 0, resetAt: now + 12, source: "openai-headers" }]);
    expect(parsed.exhausted).toBeUndefined();
  });

  it("treats insufficient_quota as money gone, not a short wait", () => {
    const body = JSON.stringify({ error: { message: "You exceeded your current quota, please check your plan and billing details.", type: "insufficient_quota", param: null, code: "insufficient_quota" } });
    const parsed = parseRateLimits(answer("openai", 429, { "retry-after": "20" }, body));
    expect(parsed.exhausted).toEqual({ reason: "spend_limit", scope: "organization", source: "error-code" });
    expect(parsed.retryAfterMs).toBe(20_000);
  });

  it("ignores malformed values with a note naming the header and never its value", () => {
    const parsed = parseRateLimits(
      answer("deepseek", 200, {
        "x-ratelimit-limit-requests": "sixty",
        "x-ratelimit-remaining-requests": "-1",
        "x-ratelimit-reset-requests": "soon",
        "x-ratelimit-limit-tokens": "1".repeat(300),
        "x-ratelimit-remaining-tokens": "1000",
        "retry-after": "tomorrow",
      }),
    );
    expect(parsed.limits).toEqual([{ scope: "organization", dimension: "tokens", window: "minute", remaining: 1000, source: "openai-headers" }]);
    expect(parsed.notes.map((n) => n.field).sort()).toEqual(
      ["retry-after", "x-ratelimit-limit-requests", "x-ratelimit-limit-tokens", "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests"].sort(),
    );
    expect(JSON.stringify(parsed.notes)).not.toMatch(/sixty|soon|tomorrow|1111/);
  });

  it("gives nothing for an answer without rate-limit headers", () => {
    expect(parseRateLimits(answer("openai", 200, { "content-type": "application/json" }))).toEqual({ limits: [], notes: [] });
  });
});

describe("Azure headers", () => {
  it("reads only the remaining counts, per deployment over 10 seconds", () => {
    const parsed = parseRateLimits(answer("azure", 200, { "x-ratelimit-remaining-requests": "119", "x-ratelimit-remaining-tokens": "119968" }, undefined, "gpt-4o"));
    expect(parsed.limits).toEqual([
      { scope: "deployment", model: "gpt-4o", dimension: "requests", window: "ten_seconds", remaining: 119, source: "azure-headers" },
      { scope: "deployment", model: "gpt-4o", dimension: "tokens", window: "ten_seconds", remaining: 119968, source: "azure-headers" },
    ]);
  });

  it("reads the retry hint of a 429", () => {
    const parsed = parseRateLimits(answer("azure", 429, { "x-ratelimit-remaining-requests": "0", "retry-after": "7", "retry-after-ms": "6500" }, '{"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation ..."}}'));
    expect(parsed.retryAfterMs).toBe(6500);
    expect(parsed.exhausted).toBeUndefined();
  });
});

describe("Anthropic headers", () => {
  const headers = {
    "anthropic-ratelimit-requests-limit": "50",
    "anthropic-ratelimit-requests-remaining": "49",
    "anthropic-ratelimit-requests-reset": "2026-01-15T20:00:01Z",
    "anthropic-ratelimit-tokens-limit": "90000",
    "anthropic-ratelimit-tokens-remaining": "89000",
    "anthropic-ratelimit-tokens-reset": "2026-01-15T20:00:00.667Z",
    "anthropic-ratelimit-input-tokens-limit": "40000",
    "anthropic-ratelimit-input-tokens-remaining": "39500",
    "anthropic-ratelimit-input-tokens-reset": "2026-01-15T20:00:01Z",
    "anthropic-ratelimit-output-tokens-limit": "8000",
    "anthropic-ratelimit-output-tokens-remaining": "7500",
    "anthropic-ratelimit-output-tokens-reset": "2026-01-15T20:00:04Z",
  };

  it("reads all four dimensions with their RFC 3339 resets", () => {
    const parsed = parseRateLimits(answer("anthropic", 200, headers, undefined, "claude-sonnet-4-5"));
    const base = { scope: "organization", model: "claude-sonnet-4-5", window: "minute", source: "anthropic-headers" };
    expect(parsed.limits).toEqual([
      { ...base, dimension: "requests", limit: 50, remaining: 49, resetAt: now + 1000 },
      { ...base, dimension: "tokens", limit: 90000, remaining: 89000, resetAt: now + 667 },
      { ...base, dimension: "input_tokens", limit: 40000, remaining: 39500, resetAt: now + 1000 },
      { ...base, dimension: "output_tokens", limit: 8000, remaining: 7500, resetAt: now + 4000 },
    ]);
    expect(parsed.notes).toEqual([]);
  });

  it("reads retry-after seconds on a rate-limit 429", () => {
    const parsed = parseRateLimits(
      answer("anthropic", 429, { ...headers, "anthropic-ratelimit-requests-remaining": "0", "retry-after": "9" }, '{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit"}}'),
    );
    expect(parsed.retryAfterMs).toBe(9000);
    expect(parsed.exhausted).toBeUndefined();
    expect(parsed.limits[0]).toMatchObject({ dimension: "requests", remaining: 0 });
  });

  it("reads a 429 without retry-after as the spend limit", () => {
    const parsed = parseRateLimits(
      answer("anthropic", 429, {}, '{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified workspace API usage limits."}}'),
    );
    expect(parsed.exhausted).toEqual({ reason: "spend_limit", scope: "organization", source: "http-status" });
    expect(parsed.retryAfterMs).toBeUndefined();
  });

  it("notes a reset that is not RFC 3339", () => {
    const parsed = parseRateLimits(answer("anthropic", 200, { "anthropic-ratelimit-requests-remaining": "3", "anthropic-ratelimit-requests-reset": "in a minute" }));
    expect(parsed.limits).toEqual([{ scope: "organization", dimension: "requests", window: "minute", remaining: 3, source: "anthropic-headers" }]);
    expect(parsed.notes).toEqual([{ field: "anthropic-ratelimit-requests-reset", reason: "expected an RFC 3339 time" }]);
  });
});

describe("Groq headers", () => {
  it("reads requests per day and tokens per minute", () => {
    const parsed = parseRateLimits(
      answer("groq", 200, {
        "x-ratelimit-limit-requests": "14400",
        "x-ratelimit-limit-tokens": "18000",
        "x-ratelimit-remaining-requests": "14370",
        "x-ratelimit-remaining-tokens": "17997",
        "x-ratelimit-reset-requests": "2m59.56s",
        "x-ratelimit-reset-tokens": "7.66s",
      }),
    );
    expect(parsed.limits).toEqual([
      { scope: "organization", dimension: "requests", window: "day", limit: 14400, remaining: 14370, resetAt: now + 179_560, source: "groq-headers" },
      { scope: "organization", dimension: "tokens", window: "minute", limit: 18000, remaining: 17997, resetAt: now + 7660, source: "groq-headers" },
    ]);
  });
});

describe("OpenRouter", () => {
  it("reads the request limit with its reset in epoch milliseconds", () => {
    const parsed = parseRateLimits(answer("openrouter", 429, { "x-ratelimit-limit": "20", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1768507260000" }, '{"error":{"message":"Rate limit exceeded: free-models-per-min.","code":429}}'));
    expect(parsed.limits).toEqual([{ scope: "organization", dimension: "requests", limit: 20, remaining: 0, resetAt: 1768507260000, source: "openrouter-headers" }]);
    expect(parsed.exhausted).toBeUndefined();
  });

  it("reads 402 as payment required", () => {
    const parsed = parseRateLimits(answer("openrouter", 402, {}, '{"error":{"message":"Insufficient credits. Add more using https://openrouter.ai/credits","code":402}}'));
    expect(parsed.exhausted).toEqual({ reason: "payment_required", scope: "organization", source: "http-status" });
  });
});

describe("Gemini 429 bodies", () => {
  const body = (violations: object[], retryDelay?: string) =>
    JSON.stringify({
      error: {
        code: 429,
        message: "You exceeded your current quota, please check your plan and billing details.",
        status: "RESOURCE_EXHAUSTED",
        details: [
          { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations },
          { "@type": "type.googleapis.com/google.rpc.Help", links: [{ description: "Learn more about Gemini API quotas", url: "https://ai.google.dev/gemini-api/docs/rate-limits" }] },
          ...(retryDelay === undefined ? [] : [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay }]),
        ],
      },
    });

  it("reads a per-day quota as exhausted until midnight Pacific, whatever retryDelay says", () => {
    const parsed = parseRateLimits(
      answer(
        "google",
        429,
        {},
        body(
          [
            {
              quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests",
              quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
              quotaDimensions: { location: "global", model: "gemini-2.5-pro" },
              quotaValue: "50",
            },
          ],
          "2s",
        ),
      ),
    );
    expect(parsed.retryAfterMs).toBe(2000);
    expect(parsed.limits).toEqual([
      {
        scope: "project",
        model: "gemini-2.5-pro",
        dimension: "requests",
        window: "day",
        limit: 50,
        remaining: 0,
        resetAt: pacificMidnight,
        quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier",
        source: "gemini-quota-failure",
      },
    ]);
    expect(parsed.exhausted).toEqual({ reason: "daily_quota", scope: "project", model: "gemini-2.5-pro", resetAt: pacificMidnight, source: "gemini-quota-failure" });
  });

  it("reads per-minute violations as a short wait of retryDelay", () => {
    const parsed = parseRateLimits(
      answer(
        "gemini",
        429,
        {},
        body(
          [
            { quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_requests", quotaId: "GenerateRequestsPerMinutePerProjectPerModel-FreeTier", quotaDimensions: { location: "global", model: "gemini-2.0-flash" }, quotaValue: "15" },
            { quotaMetric: "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count", quotaId: "GenerateContentInputTokensPerModelPerMinute-FreeTier", quotaDimensions: { location: "global", model: "gemini-2.0-flash" }, quotaValue: "1000000" },
          ],
          "37.5s",
        ),
      ),
    );
    expect(parsed.retryAfterMs).toBe(37_500);
    expect(parsed.exhausted).toBeUndefined();
    expect(parsed.limits.map((f) => [f.dimension, f.window, f.limit, f.resetAt])).toEqual([
      ["requests", "minute", 15, now + 37_500],
      ["input_tokens", "minute", 1_000_000, now + 37_500],
    ]);
  });

  it("uses the request's model when the violation names none", () => {
    const parsed = parseRateLimits(answer("google", 429, {}, body([{ quotaId: "GenerateRequestsPerMinutePerProjectPerModel" }]), "gemini-2.5-flash"));
    expect(parsed.limits[0]).toMatchObject({ model: "gemini-2.5-flash", scope: "project" });
    expect(parsed.limits[0]?.limit).toBeUndefined();
  });

  it("skips ids and models that are not ids, and a body that is no JSON, with notes", () => {
    const planted = "AIzaSyPLANTED_secret_0123456789";
    const parsed = parseRateLimits(
      answer("google", 429, {}, body([{ quotaId: planted, quotaValue: "5" }, { quotaId: "GenerateRequestsPerMinutePerProjectPerModel", quotaDimensions: { model: planted }, quotaValue: "x" }], "soon")),
    );
    expect(JSON.stringify(parsed)).not.toContain("PLANTED");
    expect(parsed.limits).toHaveLength(1);
    expect(parsed.notes.map((n) => n.field)).toEqual([
      "RetryInfo.retryDelay",
      "QuotaFailure.violations.quotaId",
      "QuotaFailure.violations.quotaDimensions.model",
      "QuotaFailure.violations.quotaValue",
    ]);
    const cut = parseRateLimits(answer("google", 429, {}, `{"error":{"details":[${"0,".repeat(5000)}`));
    expect(cut).toEqual({ limits: [], notes: [{ field: "error_body", reason: "not JSON (or cut at 8 KiB)" }] });
  });

  it("reads nothing from headers and nothing from a success", () => {
    expect(parseRateLimits(answer("google", 200, { "x-ratelimit-remaining-requests": "3" }))).toEqual({ limits: [], notes: [] });
  });

  it("reads the body as bytes, only its first 8 KiB", () => {
    const json = body([{ quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier", quotaValue: "50" }], "2s");
    const bytes = new TextEncoder().encode(json);
    expect(parseRateLimits({ provider: "google", status: 429, headers: {}, errorBody: bytes, now }).exhausted?.reason).toBe("daily_quota");
    const padded = new TextEncoder().encode(json.replace('"code":429', `"pad":"${" ".repeat(9000)}","code":429`));
    expect(parseRateLimits({ provider: "google", status: 429, headers: {}, errorBody: padded, now }).notes).toEqual([{ field: "error_body", reason: "not JSON (or cut at 8 KiB)" }]);
  });
});
