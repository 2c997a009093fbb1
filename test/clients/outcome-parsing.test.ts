import Anthropic from "@anthropic-ai/sdk";
import { ApiError } from "@google/genai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import {
  headerReader,
  outcomeFromError,
  outcomeFromHttp,
  retryAfterMsFromBody,
  retryAfterMsFromHeaders,
} from "../../clients/typescript/src/index.js";
import { parseGoDuration } from "../../src/provider-http/retry-after.js";
import { safeMessage } from "../../src/provider-http/safe-message.js";

const NOW = Date.parse("2026-11-25T10:00:00Z");
const h = (record: Record<string, string>) => headerReader(new Headers(record));

describe("retry delays", () => {
  it("takes retry-after-ms, then retry-after in seconds or as a date, then the reset of an exhausted window", () => {
    expect(retryAfterMsFromHeaders(h({ "retry-after-ms": "1500", "retry-after": "2" }), NOW)).toBe(1500);
    expect(retryAfterMsFromHeaders(h({ "retry-after": "2.5" }), NOW)).toBe(2500);
    expect(retryAfterMsFromHeaders(h({ "retry-after": "Wed, 25 Nov 2026 10:00:30 GMT" }), NOW)).toBe(30_000);
    expect(
      retryAfterMsFromHeaders(h({ "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1m0s", "x-ratelimit-remaining-tokens": "10", "x-ratelimit-reset-tokens": "2m" }), NOW),
    ).toBe(60_000);
    expect(
      retryAfterMsFromHeaders(h({ "anthropic-ratelimit-tokens-remaining": "0", "anthropic-ratelimit-tokens-reset": "2026-11-25T10:00:12Z" }), NOW),
    ).toBe(12_000);
    expect(retryAfterMsFromHeaders(h({ "x-ratelimit-remaining-requests": "3", "x-ratelimit-reset-requests": "5s" }), NOW)).toBeUndefined();
    expect(retryAfterMsFromHeaders(headerReader({ "Retry-After": "4" }), NOW)).toBe(4000);
  });

  it("parses Go durations and Gemini's RetryInfo", () => {
    expect([parseGoDuration("6s"), parseGoDuration("1m0s"), parseGoDuration("250ms"), parseGoDuration("1h2m3.5s"), parseGoDuration("soon")]).toEqual([
      6000, 60_000, 250, 3_723_500, undefined,
    ]);
    const gemini = { error: { code: 429, details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "4.500s" }] } };
    expect(retryAfterMsFromBody(gemini)).toBe(4500);
    expect(retryAfterMsFromBody({ error: { details: "none" } })).toBeUndefined();
  });
});

describe("outcomeFromHttp", () => {
  const none = headerReader(undefined);
  it("classifies each provider's way of saying it", () => {
    expect(outcomeFromHttp(200, none, {})).toEqual({ outcome: "success", httpStatus: 200 });
    const invalidGeminiKey = { error: { code: 400, status: "INVALID_ARGUMENT", message: "API key not valid.", details: [{ reason: "API_KEY_INVALID" }] } };
    expect(outcomeFromHttp(400, none, invalidGeminiKey).outcome).toBe("unauthorized");
    expect(outcomeFromHttp(400, none, { error: { message: "bad field" } }).outcome).toBe("client_error");
    expect(outcomeFromHttp(429, none, { error: { code: "insufficient_quota", message: "You exceeded your current quota" } }).outcome).toBe("quota_exhausted");
    const daily = { error: { details: [{ "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: "GenerateRequestsPerDayPerProjectPerModel" }] }] } };
    expect(outcomeFromHttp(429, none, daily).outcome).toBe("quota_exhausted");
    expect(outcomeFromHttp(429, h({ "retry-after": "3" }), { error: { code: "rate_limit_exceeded", message: "slow down" } })).toEqual({
      outcome: "rate_limited",
      httpStatus: 429,
      retryAfterMs: 3000,
      errorMessage: "rate_limit_exceeded: slow down",
    });
    expect(outcomeFromHttp(529, none, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } })).toMatchObject({
      outcome: "server_error",
      errorMessage: "overloaded_error: Overloaded",
    });
    expect([408, 504, 499, 403, 401, 404].map((s) => outcomeFromHttp(s, none, undefined).outcome)).toEqual([
      "timeout", "timeout", "cancelled", "unauthorized", "unauthorized", "client_error",
    ]);
  });

  it("never passes a key on in the message", () => {
    const secret = "sk-test-secret-value-0001";
    const out = outcomeFromHttp(401, none, { error: { message: `Incorrect API key provided: ${secret}; also AIzaSyA1234567890abcdefghijklmnop` } }, { secrets: [secret] });
    expect(out.errorMessage).toBe("Incorrect API key provided: [redacted]; also [redacted]");
    expect(safeMessage("x".repeat(1000)).length).toBeLessThanOrEqual(300);
  });
});

describe("outcomeFromError", () => {
  it("reads the SDKs' error classes", () => {
    const headers = new Headers({ "retry-after": "9" });
    const openai429 = OpenAI.APIError.generate(429, { error: { message: "Rate limit reached", code: "rate_limit_exceeded" } }, undefined, headers);
    expect(openai429).toBeInstanceOf(OpenAI.RateLimitError);
    expect(outcomeFromError(openai429)).toEqual({ outcome: "rate_limited", httpStatus: 429, retryAfterMs: 9000, errorMessage: "rate_limit_exceeded: Rate limit reached" });
    const quota = OpenAI.APIError.generate(429, { error: { message: "quota", code: "insufficient_quota" } }, undefined, new Headers());
    expect(outcomeFromError(quota).outcome).toBe("quota_exhausted");
    const anthropic401 = Anthropic.APIError.generate(401, { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } }, undefined, new Headers());
    expect(outcomeFromError(anthropic401)).toMatchObject({ outcome: "unauthorized", httpStatus: 401, errorMessage: "authentication_error: invalid x-api-key" });
    const gemini = new ApiError({
      status: 429,
      message: JSON.stringify({ error: { code: 429, message: "Resource has been exhausted", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "20s" }] } }),
    });
    expect(outcomeFromError(gemini)).toMatchObject({ outcome: "rate_limited", httpStatus: 429, retryAfterMs: 20_000 });
    expect(outcomeFromError(new Response("", { status: 503 }))).toEqual({ outcome: "server_error", httpStatus: 503 });
  });

  it("tells timeouts, aborts, connection failures and the caller's own errors apart", () => {
    expect(outcomeFromError(new OpenAI.APIConnectionTimeoutError()).outcome).toBe("timeout");
    expect(outcomeFromError(new DOMException("timed out", "TimeoutError")).outcome).toBe("timeout");
    expect(outcomeFromError(new OpenAI.APIUserAbortError()).outcome).toBe("cancelled");
    expect(outcomeFromError(new DOMException("aborted", "AbortError")).outcome).toBe("cancelled");
    expect(outcomeFromError(new OpenAI.APIConnectionError({ message: "Connection error." })).outcome).toBe("server_error");
    expect(outcomeFromError(new TypeError("fetch failed", { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) })).outcome).toBe("server_error");
    expect(outcomeFromError(new RangeError("my bug with sk-test-leaked-secret-0001"))).toEqual({ outcome: "cancelled", errorMessage: "caller error: RangeError" });
  });
});
