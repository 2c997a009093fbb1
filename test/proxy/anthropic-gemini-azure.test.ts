import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { AzureOpenAI } from "openai";
import { describe, expect, it } from "vitest";
import type { Simulator } from "../../src/simulator/index.js";
import { keypoolProxy, poolKeys, simKeys, simulator, type ProxyTestServer } from "./harness.js";

const CLIENT_TOKEN = "kp-test-client-token-0002";
const clients = [{ name: "app", token: CLIENT_TOKEN, providers: ["anthropic", "google", "azure"] }];

/** keypool's per-key counts equal what the simulator billed, every lease ended, the client token never went upstream. */
function expectBilledAsCounted(sim: Simulator, server: ProxyTestServer, provider: string, ids: string[]): void {
  const counted = poolKeys(server, provider);
  for (const id of ids) {
    const s = sim.keyStats(id)!;
    expect(s.requests).toBeGreaterThan(0);
    expect(counted[id]).toMatchObject({ requests: s.requests, promptTokens: s.promptTokens, completionTokens: s.completionTokens });
  }
  expect(server.pool.openLeaseCount()).toBe(0);
  expect(sim.stats().seenCredentials.has(CLIENT_TOKEN)).toBe(false);
  expect(sim.stats().unknownKeyRequests).toBe(0);
}

describe("@anthropic-ai/sdk pointed at the proxy", () => {
  it("messages, plain and streamed, go out with a pooled key in x-api-key and report their usage", async () => {
    const sim = await simulator({ completionTokens: 9 });
    const keys = simKeys(sim, "ant", 2, sim.url);
    const server = await keypoolProxy({ anthropic: keys }, { clients });
    const anthropic = new Anthropic({ apiKey: CLIENT_TOKEN, baseURL: `${server.proxyUrl}/anthropic`, maxRetries: 0 });
    const params = { model: "claude-simulated-model", max_tokens: 100, messages: [{ role: "user" as const, content: "Hello there, pool." }] };

    const message = await anthropic.messages.create(params);
    expect(message.usage.output_tokens).toBe(9);
    const stream = await anthropic.messages.create({ ...params, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(expect.arrayContaining(["message_start", "content_block_delta", "message_delta", "message_stop"]));
    const final = await anthropic.messages.stream(params).finalMessage();
    expect(final.usage.output_tokens).toBe(9);
    const again = await anthropic.messages.create(params);
    expect(again.content[0]).toMatchObject({ type: "text" });

    expect(sim.keyStats("k1")?.requests).toBe(2);
    expect(sim.keyStats("k2")?.requests).toBe(2);
    expect(poolKeys(server, "anthropic")["k2"]?.completionTokens).toBe(18);
    expectBilledAsCounted(sim, server, "anthropic", ["k1", "k2"]);
    expect([...sim.stats().seenCredentials].sort()).toEqual(keys.map((k) => k.secret).sort());
  });

  it("a wrong token gets Anthropic's own error shape, which the SDK turns into AuthenticationError", async () => {
    const sim = await simulator();
    const server = await keypoolProxy({ anthropic: simKeys(sim, "ant2", 1, sim.url) }, { clients });
    const anthropic = new Anthropic({ apiKey: "kp-test-wrong-token-0000", baseURL: `${server.proxyUrl}/anthropic`, maxRetries: 0 });
    const err = await anthropic.messages.create({ model: "claude-simulated-model", max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((err as { error: unknown }).error).toMatchObject({ type: "error", error: { type: "authentication_error", code: "invalid_client_token" } });
    expect(sim.stats().totals.requests).toBe(0);
  });
});

describe("@google/genai pointed at the proxy", () => {
  it("generateContent and generateContentStream go out with a pooled key in x-goog-api-key and report usageMetadata", async () => {
    const sim = await simulator({ completionTokens: 6 });
    const keys = simKeys(sim, "gem", 3, sim.url);
    const server = await keypoolProxy({ google: keys }, { clients });
    const ai = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: `${server.proxyUrl}/google` } });
    const request = { model: "gemini-2.5-flash", contents: "Count the keys, please." };

    for (let i = 0; i < 3; i++) {
      const res = await ai.models.generateContent(request);
      expect(res.usageMetadata?.candidatesTokenCount).toBe(6);
      expect(res.text).toBeTruthy();
      let chunks = 0;
      let streamedUsage: number | undefined;
      for await (const chunk of await ai.models.generateContentStream(request)) {
        chunks += chunk.text === undefined ? 0 : 1;
        streamedUsage = chunk.usageMetadata?.candidatesTokenCount ?? streamedUsage;
      }
      expect(chunks).toBe(6);
      expect(streamedUsage).toBe(6);
    }
    for (const k of keys) expect(sim.keyStats(k.id!)).toMatchObject({ requests: 2, successes: 2, completionTokens: 12 });
    for (const k of keys) expect(poolKeys(server, "google")[k.id!]).toMatchObject({ requests: 2, completionTokens: 12 });
    expectBilledAsCounted(sim, server, "google", ["k1", "k2", "k3"]);
    expect([...sim.stats().seenCredentials].sort()).toEqual(keys.map((k) => k.secret).sort());
  });

  it("accepts the client token in ?key= and removes it from the URL before forwarding", async () => {
    const sim = await simulator({ completionTokens: 4 });
    const keys = simKeys(sim, "gemq", 1, sim.url);
    const server = await keypoolProxy({ google: keys }, { clients });
    const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "0123456789abcdef" }] }] });
    const res = await fetch(`${server.proxyUrl}/google/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse&key=${CLIENT_TOKEN}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect((await res.text()).split("data: ").length - 1).toBe(4);
    expect([...sim.stats().seenCredentials]).toEqual([keys[0]!.secret]);
    expect(poolKeys(server, "google")["k1"]).toMatchObject({ promptTokens: 4, completionTokens: 4 });
    // A wrong ?key= is refused in Google's error format.
    const wrong = await fetch(`${server.proxyUrl}/google/v1beta/models/gemini-2.5-flash:generateContent?key=kp-test-wrong-0000`, { method: "POST", body });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED", message: expect.stringContaining("invalid client token") } });
  });
});

describe("Gemini's invalid-key answer", () => {
  it("a revoked Gemini key (400 API_KEY_INVALID) is disabled and the call goes on with another key", async () => {
    const sim = await simulator({ completionTokens: 2 });
    const keys = simKeys(sim, "gembad", 2, sim.url);
    sim.revoke(keys[0]!.secret);
    const server = await keypoolProxy({ google: keys }, { clients });
    const ai = new GoogleGenAI({ apiKey: CLIENT_TOKEN, httpOptions: { baseUrl: `${server.proxyUrl}/google` } });
    for (let i = 0; i < 3; i++) expect((await ai.models.generateContent({ model: "gemini-2.5-flash", contents: "hi" })).usageMetadata?.candidatesTokenCount).toBe(2);
    expect(poolKeys(server, "google")["k1"]).toMatchObject({ state: "disabled", byOutcome: { unauthorized: 1 } });
    expect(poolKeys(server, "google")["k2"]).toMatchObject({ state: "active", byOutcome: { success: 3 } });
    expect(sim.keyStats("k1")).toMatchObject({ requests: 1, unauthorized: 1 });
  });
});

describe("Azure OpenAI pointed at the proxy", () => {
  it("sends the key as api-key to the key's resource, with the key's api-version", async () => {
    const sim = await simulator({ completionTokens: 3 });
    const keys = simKeys(sim, "az", 2, `${sim.url}/openai?api-version=2024-10-21`);
    const server = await keypoolProxy({ azure: keys }, { clients });
    const azure = new AzureOpenAI({ apiKey: CLIENT_TOKEN, endpoint: `${server.proxyUrl}/azure`, apiVersion: "2023-05-15", deployment: "gpt-4o-mini", maxRetries: 0 });
    for (let i = 0; i < 4; i++) {
      const res = await azure.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      expect(res.usage?.completion_tokens).toBe(3);
    }
    expect(sim.keyStats("k1")?.successes).toBe(2);
    expect(sim.keyStats("k2")?.successes).toBe(2);
    expectBilledAsCounted(sim, server, "azure", ["k1", "k2"]);
  });
});
