import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";

const CLIENT_TOKEN = "kp-test-client-token-0001";
const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Say something about key pools." }] };

describe("the official OpenAI SDK pointed at the proxy", () => {
  it("chat (plain and streamed) and embeddings spread evenly over the keys, with usage reported, and the client token never reaches the provider", async () => {
    const sim = await simulator({ completionTokens: 7 });
    const keys = simKeys(sim, "oai", 3, `${sim.url}/v1`);
    const server = await keypoolProxy({ openai: keys }, { clients: [{ name: "app", token: CLIENT_TOKEN, providers: ["openai"] }] });
    const openai = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });

    for (let i = 0; i < 3; i++) {
      const completion = await openai.chat.completions.create(chat);
      expect(completion.choices[0]?.message.content).toBeTruthy();
      expect(completion.usage?.completion_tokens).toBe(7);
      const stream = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } });
      let text = "";
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        usage ??= chunk.usage;
      }
      expect(text).toBe(completion.choices[0]?.message.content);
      expect(usage?.completion_tokens).toBe(7);
      const embedding = await openai.embeddings.create({ model: "text-embedding-3-small", input: ["pooled keys", "one big key"] });
      expect(embedding.data).toHaveLength(2);
      expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
    }

    const seen = sim.stats();
    // Nine calls, three keys: three each, and each answered by the provider.
    for (const k of keys) expect(seen.byLabel[k.id!]).toMatchObject({ requests: 3, successes: 3 });
    expect([...seen.seenCredentials].sort()).toEqual(keys.map((k) => k.secret).sort());
    expect(seen.seenCredentials.has(CLIENT_TOKEN)).toBe(false);
    expect(seen.unknownKeyRequests).toBe(0);
    // keypool counted what the simulator billed, key by key: usage was read from JSON and from the stream.
    const pool = poolKeys(server, "openai");
    for (const k of keys) {
      const s = seen.byLabel[k.id!]!;
      expect(pool[k.id!]).toMatchObject({ requests: 3, promptTokens: s.promptTokens, completionTokens: s.completionTokens, byOutcome: { success: 3 } });
    }
    expect(seen.totals.completionTokens).toBe(6 * 7);
    expect(server.pool.openLeaseCount()).toBe(0);
    const snapshot = server.pool.snapshot(["openai"]).providers[0]!;
    expect(snapshot.balanceRatioTotal).toBe(1);
    expect(snapshot.promptTokensTotal).toBe(seen.totals.promptTokens);
  });

  it("without client tokens any API key string is accepted and dropped", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "anon", 2, `${sim.url}/v1`);
    const server = await keypoolProxy({ openai: keys });
    const openai = new OpenAI({ apiKey: "sk-test-placeholder-anything", baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });
    await openai.chat.completions.create(chat);
    await openai.chat.completions.create(chat);
    expect([...sim.stats().seenCredentials].sort()).toEqual(keys.map((k) => k.secret).sort());
  });

  it("a wrong or missing client token is a 401, a provider the client may not use a 403; the provider sees nothing", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "auth", 1, `${sim.url}/v1`);
    const server = await keypoolProxy(
      { openai: keys, groq: simKeys(sim, "groq", 1, `${sim.url}/v1`, {}, "g") },
      { clients: [{ name: "app", token: CLIENT_TOKEN, providers: ["groq"] }] },
    );
    const wrong = new OpenAI({ apiKey: "kp-test-wrong-token-9999", baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });
    await expect(wrong.chat.completions.create(chat)).rejects.toMatchObject({ status: 401, code: "invalid_client_token" });
    const notAllowed = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });
    await expect(notAllowed.chat.completions.create(chat)).rejects.toMatchObject({ status: 403, code: "provider_not_allowed" });
    const missing = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat) });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({ error: { code: "missing_client_token", message: expect.stringContaining("Authorization: Bearer") } });
    expect(sim.stats().totals.requests).toBe(0);
    expect(poolKeys(server, "openai")["k1"]?.requests).toBe(0);
    // The same client is served for the provider it may use.
    const groq = new OpenAI({ apiKey: CLIENT_TOKEN, baseURL: `${server.proxyUrl}/groq/openai/v1`, maxRetries: 0 });
    await expect(groq.chat.completions.create(chat)).resolves.toMatchObject({ object: "chat.completion" });
    expect(sim.stats().seenCredentials.has(CLIENT_TOKEN)).toBe(false);
  });
});

describe("a client token in an unusual place", () => {
  it("is found in ?key= for an OpenAI-compatible provider too, and removed before forwarding", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "qkey", 1, `${sim.url}/v1`);
    const server = await keypoolProxy({ openai: keys }, { clients: [{ name: "app", token: CLIENT_TOKEN, providers: ["openai"] }] });
    const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions?key=${CLIENT_TOKEN}`, { method: "POST", body: JSON.stringify(chat) });
    expect(res.status).toBe(200);
    expect([...sim.stats().seenCredentials]).toEqual([keys[0]!.secret]);
  });
});
