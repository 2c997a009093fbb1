import { GoogleGenAI } from "@google/genai";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { capturedLog } from "../support/rate-limit-log.js";
import { client, keypool, simKeys, simulator } from "./harness.js";

const chat = (model: string) => ({
  method: "POST",
  headers: { "content-type": "application/json", authorization: "Bearer unused" },
  body: JSON.stringify({ model, messages: [{ role: "user", content: "How much is left?" }] }),
});

describe("the TypeScript client passes the provider's answer to the sidecar", () => {
  it("pool.fetch sends OpenAI's rate-limit headers of a success, and nothing secret", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("answer-oai", 1, `${sim.url}/v1`);
    sim.addKey(keys[0]!.secret, { label: "k1", rpm: 40, tpm: 9000 });
    const captured = capturedLog();
    const server = await keypool({ openai: keys }, {}, captured.log);
    const pool = client(server.grpcAddress);

    const res = await pool.fetch("openai")("https://api.openai.com/v1/chat/completions", chat("gpt-sim"));
    const sent = res.headers.get("x-ratelimit-remaining-requests");
    await res.json();
    await pool.close();

    const [read, ...more] = captured.reads();
    expect(more).toEqual([]);
    expect(read).toMatchObject({ provider: "openai", keyId: "k1" });
    const requests = read?.rateLimits.limits.find((l) => l.dimension === "requests");
    const tokens = read?.rateLimits.limits.find((l) => l.dimension === "tokens");
    expect(requests).toMatchObject({ source: "openai-headers", limit: 40, remaining: Number(sent) });
    expect(tokens).toMatchObject({ source: "openai-headers", limit: 9000 });
    expect(captured.lines.join("\n")).not.toContain(keys[0]!.secret);
  });

  it("withKey sends Anthropic's headers of a returned Response, whose body the caller still reads", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("answer-ant", 1, sim.url);
    sim.addKey(keys[0]!.secret, { label: "k1", rpm: 25 });
    const captured = capturedLog();
    const server = await keypool({ anthropic: keys }, {}, captured.log);
    const pool = client(server.grpcAddress);

    const res = await pool.withKey("anthropic", (lease) =>
      fetch(`${lease.baseUrl}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": lease.apiKey, "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model: "claude-sim", max_tokens: 8, messages: [{ role: "user", content: "Hello" }] }),
      }),
    );
    expect(((await res.json()) as { type: string }).type).toBe("message");

    const [read] = captured.reads();
    expect(read).toMatchObject({ provider: "anthropic", keyId: "k1" });
    expect(read?.rateLimits.limits.find((l) => l.dimension === "requests")).toMatchObject({ source: "anthropic-headers", limit: 25, remaining: 24 });
    expect(captured.lines.join("\n")).not.toContain(keys[0]!.secret);
  });

  it.each(["pool.fetch", "withKey"] as const)("%s sends a Gemini 429's body: a per-day quota, and the caller gets the whole body", async (adapter) => {
    const sim = await simulator({ keys: {}, dayReset: "midnight-pacific", geminiDailyRetryDelayMs: 2_000 });
    const keys = simKeys("answer-gem", 1, sim.url);
    sim.addKey(keys[0]!.secret, { label: "k1", models: { "gemini-2.5-pro": { rpd: 1 } } });
    const captured = capturedLog();
    const server = await keypool({ google: keys }, {}, captured.log);
    const pool = client(server.grpcAddress);
    const url = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent";
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ contents: [{ parts: [{ text: "Hi" }] }] }) };
    const call = () =>
      adapter === "pool.fetch"
        ? pool.fetch("google", { retryRateLimited: false })(url, init)
        : pool.withKey("google", (lease) => fetch(`${lease.baseUrl}/v1beta/models/gemini-2.5-pro:generateContent`, { ...init, headers: { ...init.headers, "x-goog-api-key": lease.apiKey } }));

    expect((await call()).status).toBe(200);
    // The server cools the key down after the 429; a second one comes back once the pool hands it out again.
    const refused = await call();
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { details: Array<{ "@type": string }> } };
    expect(body.error.details.map((d) => d["@type"])).toContain("type.googleapis.com/google.rpc.QuotaFailure");

    const reads = captured.reads();
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ provider: "google", keyId: "k1" });
    expect(reads[0]?.rateLimits.exhausted).toMatchObject({ reason: "daily_quota", scope: "project", model: "gemini-2.5-pro", source: "gemini-quota-failure" });
    expect(reads[0]?.rateLimits.retryAfterMs).toBe(2_000);
    expect(captured.lines.join("\n")).not.toContain(keys[0]!.secret);
  });

  it("withKey sends what a thrown SDK error keeps: OpenAI's headers of a 429, @google/genai's quota body", async () => {
    const sim = await simulator({ keys: {}, dayReset: "midnight-pacific" });
    const openaiKeys = simKeys("answer-sdk-oai", 1, `${sim.url}/v1`);
    const googleKeys = simKeys("answer-sdk-gem", 1, sim.url);
    sim.addKey(openaiKeys[0]!.secret, { label: "o1", rpm: 1 });
    sim.addKey(googleKeys[0]!.secret, { label: "g1", models: { "gemini-2.5-flash": { rpd: 1 } } });
    const captured = capturedLog();
    const server = await keypool({ openai: openaiKeys, google: googleKeys }, {}, captured.log);
    const pool = client(server.grpcAddress);
    const chatOnce = () =>
      pool.withKey("openai", (lease) =>
        new OpenAI({ apiKey: lease.apiKey, baseURL: lease.baseUrl!, maxRetries: 0 }).chat.completions.create({ model: "gpt-sim", messages: [{ role: "user", content: "Hi" }] }),
      );
    const generateOnce = () =>
      pool.withKey("google", (lease) =>
        new GoogleGenAI({ apiKey: lease.apiKey, httpOptions: { baseUrl: lease.baseUrl! } }).models.generateContent({ model: "gemini-2.5-flash", contents: "Hi" }),
      );

    await chatOnce();
    await expect(chatOnce()).rejects.toMatchObject({ status: 429 });
    await generateOnce();
    await expect(generateOnce()).rejects.toMatchObject({ status: 429 });

    const reads = captured.reads();
    const openaiReads = reads.filter((r) => r.provider === "openai");
    // An SDK's parsed result keeps no headers; its 429 error does: none left of one, and the wait.
    expect(openaiReads.map((r) => r.rateLimits.limits.find((l) => l.dimension === "requests"))).toEqual([expect.objectContaining({ limit: 1, remaining: 0 })]);
    expect(openaiReads[0]?.rateLimits.retryAfterMs).toBeGreaterThan(0);
    const googleReads = reads.filter((r) => r.provider === "google");
    expect(googleReads).toHaveLength(1);
    expect(googleReads[0]?.rateLimits.exhausted).toMatchObject({ reason: "daily_quota", model: "gemini-2.5-flash" });
    const logged = captured.lines.join("\n");
    for (const key of [...openaiKeys, ...googleKeys]) expect(logged).not.toContain(key.secret);
  });
});
