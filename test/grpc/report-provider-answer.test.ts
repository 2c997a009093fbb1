import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { Outcome } from "../../clients/typescript/src/gen/keypool/v1/keypool.js";
import { ManualClock } from "../support/manual-clock.js";
import { createLogger } from "../../src/telemetry/logger.js";
import { fuzzRuns } from "../support/fuzz-runs.js";
import { grpcError } from "../support/grpc-client.js";
import { poolConfig } from "../support/pool-config.js";
import { it, type Keypools } from "../support/keypool-fixture.js";

const secret = "sk-ReportedAnswerSecret-0123456789abcdef";
let lines: string[] = [];

async function start(keypool: Keypools, provider = "openai", clock = new ManualClock(Date.parse("2026-01-15T20:00:00Z"))) {
  lines = [];
  const server = await keypool.start({
    config: poolConfig({ [provider]: [{ secret, id: "k1" }] }),
    log: createLogger({ level: "debug", destination: { write: (line: string) => void lines.push(line) } }),
    clock,
  });
  return { client: keypool.connect(server.grpcAddress), provider, clock };
}

function rateLimitLogs(): Array<{ keyId: string; provider: string; rateLimits: { limits: unknown[]; exhausted?: { reason: string; resetAt?: number }; retryAfterMs?: number } }> {
  return lines.map((l) => JSON.parse(l)).filter((l) => l.msg === "provider rate limits read");
}

describe("ReportUsage with the provider's headers and error body", () => {
  it("reads OpenAI headers into a debug log line by key id", async ({ keypool }) => {
    const { client: c, clock } = await start(keypool);
    const lease = await c.acquire({ provider: "openai" });
    const res = await c.report({
      leaseId: lease.leaseId,
      outcome: Outcome.OUTCOME_SUCCESS,
      httpStatus: 200,
      responseHeaders: { "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "12", "x-ratelimit-reset-requests": "6m0s", "set-cookie": `session=${secret}` },
    });
    expect(res.alreadyReported).toBe(false);
    const [logged, ...more] = rateLimitLogs();
    expect(more).toEqual([]);
    expect(logged).toMatchObject({ provider: "openai", keyId: "k1" });
    expect(logged?.rateLimits.limits).toEqual([
      { scope: "organization", dimension: "requests", window: "minute", limit: 60, remaining: 12, resetAt: clock.now() + 360_000, source: "openai-headers" },
    ]);
    expect(lines.join("\n")).not.toContain("ReportedAnswerSecret");
  });

  it("reads a Gemini per-day quota out of the 429 body, and a repeated report reads nothing", async ({ keypool }) => {
    const { client: c } = await start(keypool, "google");
    const lease = await c.acquire({ provider: "google" });
    const body = JSON.stringify({
      error: {
        code: 429,
        message: `quota exceeded for ${secret}`,
        status: "RESOURCE_EXHAUSTED",
        details: [
          { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaId: "GenerateRequestsPerDayPerProjectPerModel-FreeTier", quotaDimensions: { model: "gemini-2.5-pro" }, quotaValue: "50" }] },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" },
        ],
      },
    });
    const report = { leaseId: lease.leaseId, httpStatus: 429, errorBody: Buffer.from(body) };
    await c.report(report);
    await c.report(report);
    const logs = rateLimitLogs();
    expect(logs).toHaveLength(1);
    expect(logs[0]?.rateLimits.exhausted).toEqual({ reason: "daily_quota", scope: "project", model: "gemini-2.5-pro", resetAt: Date.parse("2026-01-16T08:00:00Z"), source: "gemini-quota-failure" });
    expect(logs[0]?.rateLimits.retryAfterMs).toBe(2000);
    expect(lines.join("\n")).not.toContain("ReportedAnswerSecret");
  });

  it.for([
    ["too many headers", { responseHeaders: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`x-h-${i}`, "1"])) }, /^response_headers: 65 entries, at most 64 allowed$/],
    ["a long header name", { responseHeaders: { ["x".repeat(129)]: "1" } }, /^response_headers: a name is empty or longer than 128 characters$/],
    ["an upper-case name", { responseHeaders: { "X-RateLimit-Remaining-Requests": "1" } }, /^response_headers: names must be lower case$/],
    ["a long value", { responseHeaders: { "x-ratelimit-remaining-requests": secret.repeat(40) } }, /^response_headers: a value is longer than 1024 characters$/],
    ["a body over 8 KiB", { errorBody: Buffer.alloc(8193, 0x41) }, /^error_body: 8193 bytes, at most 8192 \(send the first 8 KiB\)$/],
  ] as const)("refuses %s with INVALID_ARGUMENT before the lease ends", async ([, extra, message], { keypool }) => {
    const { client: c } = await start(keypool);
    const lease = await c.acquire({ provider: "openai" });
    const err = await grpcError(c.report({ leaseId: lease.leaseId, httpStatus: 429, ...extra }));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(message);
    expect(err.details).not.toContain("ReportedAnswerSecret");
    // The refused report changed nothing: the lease is still open.
    expect((await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS })).alreadyReported).toBe(false);
  });

  it("survives hostile headers and bodies without a crash or an echoed secret", async ({ keypool }) => {
    const { client: c } = await start(keypool, "google");
    const value = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom(secret, "0", "6m0s", "2026-01-15T20:00:01Z"), fc.nat().map(String));
    const name = fc.oneof(fc.constantFrom("x-ratelimit-remaining-requests", "retry-after", "anthropic-ratelimit-tokens-reset", secret.toLowerCase()), fc.string({ maxLength: 12 }).map((s) => s.toLowerCase()));
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.json({ maxDepth: 4 }).map((j) => Buffer.from(j.replace(/"[^"]*"/, JSON.stringify(secret)))),
      fc.constant(Buffer.from(`{"error":{"details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"${secret}"}]}]}}`)),
    );
    let reports = 0;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(name, value, { maxKeys: 8 }), body, fc.constantFrom(200, 402, 429, 503), async (responseHeaders, errorBody, httpStatus) => {
        const lease = await c.acquire({ provider: "google" });
        try {
          await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS, httpStatus, responseHeaders, errorBody });
          reports++;
        } catch (err) {
          expect((err as { code: number }).code).toBe(status.INVALID_ARGUMENT);
          expect(String((err as { details: string }).details)).not.toContain("ReportedAnswerSecret");
          await c.report({ leaseId: lease.leaseId, outcome: Outcome.OUTCOME_SUCCESS });
        }
      }),
      { numRuns: fuzzRuns(60) },
    );
    expect(reports).toBeGreaterThan(0);
    expect(lines.join("\n").toLowerCase()).not.toContain("reportedanswersecret");
    // The server still answers.
    expect((await c.acquire({ provider: "google" })).keyId).toBe("k1");
  });
});
