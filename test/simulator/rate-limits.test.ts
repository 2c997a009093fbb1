import { describe, expect, it } from "vitest";
import { bearer, chatBody, post, start } from "./helpers.js";

const key = "sk-test-limits-key-0001";
const chat = (url: string, extra: Record<string, unknown> = {}) => post(`${url}/v1/chat/completions`, chatBody(extra), bearer(key));

describe("requests per window", () => {
  it("refuses the request over rpm with OpenAI's 429 body and headers", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 3 } }, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      expect((await chat(sim.url)).status).toBe(200);
      clock.advance(10_000);
    }
    // Now t = 30 s; the first request (t = 0) leaves the window at t = 60 s.
    const reply = await chat(sim.url);
    expect(reply.status).toBe(429);
    expect(reply.body).toEqual({
      error: {
        message:
          "Rate limit reached for gpt-4o-mini in organization org-simulator on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 30s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
    expect(reply.headers.get("retry-after")).toBe("30");
    expect(reply.headers.get("retry-after-ms")).toBe("30000");
    expect(reply.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(reply.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    // The window is empty again when the newest request (t = 20 s) leaves: 50 s from now.
    expect(reply.headers.get("x-ratelimit-reset-requests")).toBe("50s");
  });

  it("slides: a request counts for windowMs after its arrival, not until a calendar boundary", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 2 } }, windowMs: 10_000 });
    expect((await chat(sim.url)).status).toBe(200); // t = 0
    clock.advance(9_000);
    expect((await chat(sim.url)).status).toBe(200); // t = 9 s
    clock.advance(1_500);
    // t = 10.5 s: the t = 0 request has left; a calendar bucket [10 s, 20 s) would also be fresh here.
    expect((await chat(sim.url)).status).toBe(200);
    clock.advance(100);
    // t = 10.6 s: t = 9 s and t = 10.5 s are both within the last 10 s. A calendar bucket would allow this.
    const refused = await chat(sim.url);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after-ms")).toBe("8400");
    expect(refused.headers.get("retry-after")).toBe("9");
  });

  it("gives a Retry-After that is exact: one millisecond earlier is still refused", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 1 } }, windowMs: 6_000 });
    await chat(sim.url);
    clock.advance(1_234);
    const refused = await chat(sim.url);
    const waitMs = Number(refused.headers.get("retry-after-ms"));
    expect(waitMs).toBe(4_766);
    expect(refused.headers.get("retry-after")).toBe("5");
    clock.advance(waitMs - 1);
    expect((await chat(sim.url)).status).toBe(429);
    clock.advance(1);
    expect((await chat(sim.url)).status).toBe(200);
  });

  it("does not count refused requests", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 1 } }, windowMs: 1_000 });
    await chat(sim.url);
    for (let i = 0; i < 5; i++) {
      clock.advance(100);
      expect((await chat(sim.url)).status).toBe(429);
    }
    clock.advance(500); // t = 1 s: only the first request ever counted
    expect((await chat(sim.url)).status).toBe(200);
  });

  it("admits exactly rpm of many concurrent requests (real clock)", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 15 } }, now: Date.now, latency: { baseMs: 20 } });
    const replies = await Promise.all(Array.from({ length: 40 }, () => chat(sim.url)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(15);
    expect(replies.filter((r) => r.status === 429)).toHaveLength(25);
    expect(sim.keyStats(key)).toMatchObject({ requests: 40, successes: 15, rateLimited: 25, peakRequestsPerWindow: 15, inFlight: 0 });
  });

  it("enforces rpd over 1440 windows", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpd: 2 } }, windowMs: 1_000 });
    await chat(sim.url);
    await chat(sim.url);
    clock.advance(40_000);
    const refused = await chat(sim.url);
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toMatch(/requests per day \(RPD\): Limit 2, Used 2/);
    expect(refused.headers.get("retry-after-ms")).toBe(String(1_440_000 - 40_000));
    clock.advance(1_400_000);
    expect((await chat(sim.url)).status).toBe(200);
  });
});

describe("tokens per window", () => {
  it("counts prompt + completion tokens and refuses when the next request would not fit", async () => {
    // Each request: 2 prompt + 16 completion = 18 tokens.
    const { sim, clock } = await start({ keys: { [key]: { tpm: 100 } }, windowMs: 10_000 });
    for (let i = 0; i < 5; i++) {
      const ok = await chat(sim.url);
      expect(ok.status).toBe(200);
      expect(ok.headers.get("x-ratelimit-remaining-tokens")).toBe(String(100 - 18 * (i + 1)));
      clock.advance(1_000);
    }
    const refused = await chat(sim.url);
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toBe("tokens");
    expect(refused.body.error.message).toMatch(/tokens per min \(TPM\): Limit 100, Used 90, Requested 18/);
    // 8 tokens must leave: the first request does at t = 10 s, 5 s from now.
    expect(refused.headers.get("retry-after-ms")).toBe("5000");
    expect(refused.headers.get("x-ratelimit-limit-tokens")).toBe("100");
    expect(refused.headers.get("x-ratelimit-remaining-tokens")).toBe("10");
  });

  it("checks with max_tokens but keeps the actual usage counted", async () => {
    const { sim } = await start({ keys: { [key]: { tpm: 100 } } });
    // Check: 2 + 90 = 92 fits; counted: 2 + 16 = 18.
    const first = await chat(sim.url, { max_tokens: 90 });
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("82");
    // 18 counted + 92 requested > 100.
    const second = await chat(sim.url, { max_tokens: 90 });
    expect(second.status).toBe(429);
    expect(second.body.error.message).toMatch(/Used 18, Requested 92/);
    expect((await chat(sim.url, { max_tokens: 80 })).status).toBe(200);
  });

  it("refuses a request larger than the limit itself without a Retry-After", async () => {
    const { sim } = await start({ keys: { [key]: { tpm: 50 } } });
    const reply = await chat(sim.url, { max_tokens: 60 });
    expect(reply.status).toBe(429);
    expect(reply.body.error.code).toBe("rate_limit_exceeded");
    expect(reply.body.error.message).toMatch(/^Request too large for gpt-4o-mini .* Limit 50, Requested 62\./);
    expect(reply.headers.get("retry-after")).toBeNull();
  });

  it("counts embeddings input tokens", async () => {
    const { sim } = await start({ keys: { [key]: { tpm: 10 } } });
    const body = { model: "text-embedding-3-small", input: "x".repeat(24), dimensions: 2 }; // 6 tokens
    expect((await post(`${sim.url}/v1/embeddings`, body, bearer(key))).status).toBe(200);
    expect((await post(`${sim.url}/v1/embeddings`, body, bearer(key))).status).toBe(429);
  });
});

describe("run-time control", () => {
  it("setLimits applies at once to the requests already counted", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 10 } } });
    await chat(sim.url);
    await chat(sim.url);
    sim.setLimits(key, { rpm: 2 });
    expect((await chat(sim.url)).status).toBe(429);
    sim.setLimits(key, {});
    const unlimited = await chat(sim.url);
    expect(unlimited.status).toBe(200);
    expect(unlimited.headers.get("x-ratelimit-limit-requests")).toBeNull();
  });

  it("revoke answers 401 from then on; restore undoes it", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    expect((await chat(sim.url)).status).toBe(200);
    sim.revoke(key);
    const revoked = await chat(sim.url);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe("invalid_api_key");
    expect(revoked.text).not.toContain(key);
    sim.restore(key);
    expect((await chat(sim.url)).status).toBe(200);
    expect(sim.keyStats(key)).toMatchObject({ requests: 3, successes: 2, unauthorized: 1 });
  });

  it("addKey accepts a new key at run time", async () => {
    const { sim } = await start({ keys: {} });
    expect((await chat(sim.url)).status).toBe(401);
    sim.addKey(key, { rpm: 1, label: "late" });
    expect((await chat(sim.url)).status).toBe(200);
    expect(sim.keyStats("late")?.successes).toBe(1);
  });

  it("throws for an unknown key without echoing it", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const secret = "sk-not-configured-9999";
    for (const call of [() => sim.revoke(secret), () => sim.setLimits(secret, {}), () => sim.failNext(secret, 500)]) {
      expect(call).toThrow();
      try {
        call();
      } catch (error) {
        expect(String(error)).not.toContain(secret);
      }
    }
    expect(() => sim.addKey(key)).toThrow(/added twice/);
    expect(() => sim.failNext(key, 200)).toThrow(/400-599/);
    expect(() => sim.setLimits(key, { rpm: -1 })).toThrow(/non-negative integer/);
  });
});

describe("failure injection", () => {
  it("fails the next count requests with the status and Retry-After, without consuming the window", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 1 } } });
    sim.failNext(key, 429, { retryAfterSeconds: 7, count: 2 });
    for (let i = 0; i < 2; i++) {
      const reply = await chat(sim.url);
      expect(reply.status).toBe(429);
      expect(reply.body.error.code).toBe("rate_limit_exceeded");
      expect(reply.headers.get("retry-after")).toBe("7");
      expect(reply.headers.get("retry-after-ms")).toBe("7000");
    }
    expect((await chat(sim.url)).status).toBe(200);
    expect(sim.keyStats(key)).toMatchObject({ requests: 3, successes: 1, rateLimited: 2, injected: 2 });
  });

  it("queues failures in order and writes them in each provider's format", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    sim.failNext(key, 500);
    sim.failNext(key, 529);
    sim.failNext(key, 503, { retryAfterSeconds: 2 });
    sim.failNext(key, 401);

    const openai = await chat(sim.url);
    expect(openai.status).toBe(500);
    expect(openai.body.error.type).toBe("server_error");

    const anthropic = await post(
      `${sim.url}/v1/messages`,
      { model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] },
      { "x-api-key": key, "anthropic-version": "2023-06-01" },
    );
    expect(anthropic.status).toBe(529);
    expect(anthropic.body).toEqual({ type: "error", error: { type: "overloaded_error", message: "Overloaded" } });

    const gemini = await post(
      `${sim.url}/v1beta/models/gemini-2.0-flash:generateContent`,
      { contents: [{ parts: [{ text: "x" }] }] },
      { "x-goog-api-key": key },
    );
    expect(gemini.status).toBe(503);
    expect(gemini.body.error).toMatchObject({ code: 503, status: "UNAVAILABLE" });
    expect(gemini.body.error.details[0]).toEqual({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "2s" });

    expect((await chat(sim.url)).status).toBe(401);
    expect((await chat(sim.url)).status).toBe(200);
    expect(sim.keyStats(key)).toMatchObject({ injected: 4, unauthorized: 1, successes: 1 });
  });

  it("lets a revoked key's 401 win over a queued failure", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    sim.failNext(key, 500);
    sim.revoke(key);
    expect((await chat(sim.url)).status).toBe(401);
    sim.restore(key);
    expect((await chat(sim.url)).status).toBe(500);
  });
});

describe("stats", () => {
  it("counts per key, by secret and by label, with totals", async () => {
    const other = "sk-test-limits-key-0002";
    const { sim } = await start({ keys: { [key]: { rpm: 1, label: "alpha" }, [other]: {} } });
    await chat(sim.url); // ok: 2 + 16 tokens
    await chat(sim.url); // 429
    await post(`${sim.url}/v1/chat/completions`, chatBody({ max_tokens: 4 }), bearer(other)); // ok: 2 + 4
    await post(`${sim.url}/v1/chat/completions`, "{", bearer(other)); // 400
    await post(`${sim.url}/v1/chat/completions`, chatBody(), bearer("sk-unknown")); // 401, not a key's

    const stats = sim.stats();
    expect(stats.keys[key]).toMatchObject({
      label: "alpha",
      requests: 2,
      successes: 1,
      rateLimited: 1,
      unauthorized: 0,
      promptTokens: 2,
      completionTokens: 16,
      peakRequestsPerWindow: 1,
      peakTokensPerWindow: 18,
    });
    expect(stats.byLabel["alpha"]).toEqual(stats.keys[key]);
    expect(stats.byLabel["key-2"]).toMatchObject({ requests: 2, successes: 1, badRequests: 1, promptTokens: 2, completionTokens: 4 });
    expect(stats.totals).toEqual({
      requests: 4,
      successes: 2,
      rateLimited: 1,
      unauthorized: 0,
      injected: 0,
      badRequests: 1,
      promptTokens: 4,
      completionTokens: 20,
    });
    expect(stats.unknownKeyRequests).toBe(1);
    expect(sim.keyStats("alpha")).toEqual(sim.keyStats(key));
    expect(sim.keyStats("nobody")).toBeUndefined();
  });

  it("records every credential presented, in any header or the key query", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    await chat(sim.url);
    await post(`${sim.url}/v1/messages`, {}, { "x-api-key": "kp-client-token-1" });
    await post(`${sim.url}/v1beta/models/g:generateContent?key=query-key`, {}, { "x-goog-api-key": "goog-key" });
    await post(`${sim.url}/openai/deployments/d/chat/completions?api-version=1`, {}, { "api-key": "azure-key" });
    await post(`${sim.url}/v1/unknown`, {}, { authorization: "Basic dXNlcjpwYXNz" });
    const seen = sim.stats().seenCredentials;
    expect([...seen].sort()).toEqual(
      [key, "kp-client-token-1", "query-key", "goog-key", "azure-key", "Basic dXNlcjpwYXNz"].sort(),
    );
    expect(seen.has("kp-client-token-never-sent")).toBe(false);
  });

  it("returns snapshots that later traffic does not change", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const before = sim.stats();
    await chat(sim.url);
    expect(before.keys[key]?.requests).toBe(0);
    expect(before.seenCredentials.size).toBe(0);
    expect(sim.stats().keys[key]?.requests).toBe(1);
  });

  it("reset clears counters, windows, queued failures and seen credentials, but keeps revocations", async () => {
    const other = "sk-test-limits-key-0002";
    const { sim } = await start({ keys: { [key]: { rpm: 1 }, [other]: {} } });
    await chat(sim.url);
    expect((await chat(sim.url)).status).toBe(429);
    sim.failNext(key, 500);
    sim.revoke(other);
    sim.reset();
    const stats = sim.stats();
    expect(stats.totals.requests).toBe(0);
    expect(stats.seenCredentials.size).toBe(0);
    expect((await chat(sim.url)).status).toBe(200);
    expect((await post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(other))).status).toBe(401);
  });
});
