import { describe, expect, it } from "vitest";
import { capturedLog } from "../support/rate-limit-log.js";
import { keypoolProxy, simKeys, simulator } from "./harness.js";

describe("the proxy passes each upstream answer's rate limits on with its report", () => {
  it("reads OpenAI's and Anthropic's headers of successes, by key id, without a secret in the log", async () => {
    const sim = await simulator();
    const openai = simKeys(sim, "proxy-answer-oai", 1, `${sim.url}/v1`);
    const anthropic = simKeys(sim, "proxy-answer-ant", 1, sim.url, {}, "a");
    sim.setLimits(openai[0]!.secret, { rpm: 45, tpm: 7000 });
    sim.setLimits(anthropic[0]!.secret, { rpm: 15 });
    const captured = capturedLog();
    const server = await keypoolProxy({ openai, anthropic }, { log: captured.log });

    const chat = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer unused" },
      body: JSON.stringify({ model: "gpt-sim", messages: [{ role: "user", content: "Hello" }] }),
    });
    expect(chat.status).toBe(200);
    const remaining = Number(chat.headers.get("x-ratelimit-remaining-requests"));
    await chat.json();
    const message = await fetch(`${server.proxyUrl}/anthropic/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "unused", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "claude-sim", max_tokens: 8, messages: [{ role: "user", content: "Hello" }] }),
    });
    expect(message.status).toBe(200);
    await message.json();

    const reads = captured.reads();
    expect(reads.map((r) => [r.provider, r.keyId])).toEqual([
      ["openai", "k1"],
      ["anthropic", "a1"],
    ]);
    expect(reads[0]?.rateLimits.limits).toContainEqual(expect.objectContaining({ dimension: "requests", limit: 45, remaining, source: "openai-headers" }));
    expect(reads[0]?.rateLimits.limits).toContainEqual(expect.objectContaining({ dimension: "tokens", limit: 7000, source: "openai-headers" }));
    expect(reads[1]?.rateLimits.limits).toContainEqual(expect.objectContaining({ dimension: "requests", limit: 15, remaining: 14, source: "anthropic-headers" }));
    const logged = captured.lines.join("\n");
    for (const key of [...openai, ...anthropic]) expect(logged).not.toContain(key.secret);
  });

  it("reads a Gemini 429's quota details out of the error body it already reads", async () => {
    const sim = await simulator({ dayReset: "midnight-pacific", geminiDailyRetryDelayMs: 2_000 });
    const google = simKeys(sim, "proxy-answer-gem", 1, sim.url);
    sim.setLimits(google[0]!.secret, { models: { "gemini-2.5-pro": { rpd: 1 } } });
    const captured = capturedLog();
    const server = await keypoolProxy({ google }, { log: captured.log, proxy: { maxAttempts: 1 } });
    const call = () =>
      fetch(`${server.proxyUrl}/google/v1beta/models/gemini-2.5-pro:generateContent`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-goog-api-key": "unused" },
        body: JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }),
      });

    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain("QuotaFailure");

    const reads = captured.reads();
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ provider: "google", keyId: "k1" });
    expect(reads[0]?.rateLimits.exhausted).toMatchObject({ reason: "daily_quota", scope: "project", model: "gemini-2.5-pro", source: "gemini-quota-failure" });
    expect(reads[0]?.rateLimits.retryAfterMs).toBe(2_000);
    expect(captured.lines.join("\n")).not.toContain(google[0]!.secret);
  });
});
