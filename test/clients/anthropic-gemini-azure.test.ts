import Anthropic from "@anthropic-ai/sdk";
import { GoogleGenAI } from "@google/genai";
import { AzureOpenAI } from "openai";
import { describe, expect, it } from "vitest";
import { client, keypool, poolCounters, simKeys, simulator } from "./harness.js";

/** The simulator's per-key counts equal keypool's, and every call was reported once. */
function expectSameCounts(sim: Awaited<ReturnType<typeof simulator>>, server: Awaited<ReturnType<typeof keypool>>, provider: string, ids: string[]) {
  const counted = poolCounters(server, provider);
  for (const id of ids) {
    const s = sim.keyStats(id)!;
    expect(counted[id]).toMatchObject({ requests: s.requests, promptTokens: s.promptTokens, completionTokens: s.completionTokens });
  }
  expect(server.pool.openLeaseCount()).toBe(0);
}

describe("the official Anthropic SDK through pool.fetch", () => {
  it("places the key in x-api-key and reports usage of messages and of message streams", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 9 });
    const keys = simKeys("ant", 2, sim.url);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ anthropic: keys });
    const pool = client(server.grpcAddress);
    const anthropic = new Anthropic({ apiKey: "unused", fetch: pool.fetch("anthropic"), maxRetries: 0 });
    const params = { model: "claude-simulated-model", max_tokens: 100, messages: [{ role: "user" as const, content: "Hello there, pool." }] };

    const message = await anthropic.messages.create(params);
    expect(message.usage.output_tokens).toBe(9);
    const stream = await anthropic.messages.create({ ...params, stream: true });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toContain("message_delta");
    const final = await anthropic.messages.stream(params).finalMessage();
    expect(final.usage.output_tokens).toBe(9);

    expect(sim.keyStats("k1")?.requests).toBe(2);
    expect(sim.keyStats("k2")?.requests).toBe(1);
    expect(poolCounters(server, "anthropic")["k2"]?.completionTokens).toBe(9);
    expectSameCounts(sim, server, "anthropic", ["k1", "k2"]);
    expect([...sim.stats().seenCredentials].sort()).toEqual(keys.map((k) => k.secret).sort());
  });
});

describe("Gemini", () => {
  it("pool.fetch puts the key in x-goog-api-key and reads usageMetadata from JSON, SSE and streamed JSON arrays", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 5 });
    const keys = simKeys("gem", 3, sim.url);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ google: keys });
    const pool = client(server.grpcAddress);
    const fetchGemini = pool.fetch("google");
    const body = JSON.stringify({ contents: [{ role: "user", parts: [{ text: "0123456789abcdef" }] }] });
    const base = "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash";
    const init = { method: "POST", headers: { "content-type": "application/json", "x-goog-api-key": "unused" }, body };

    const json = await fetchGemini(`${base}:generateContent`, init);
    expect(((await json.json()) as { usageMetadata: unknown }).usageMetadata).toMatchObject({ promptTokenCount: 4, candidatesTokenCount: 5 });
    const sse = await fetchGemini(`${base}:streamGenerateContent?alt=sse&key=unused`, init);
    expect(sse.headers.get("content-type")).toBe("text/event-stream");
    expect((await sse.text()).split("data: ").length - 1).toBe(5);
    const array = await fetchGemini(`${base}:streamGenerateContent`, init);
    expect(JSON.parse(await array.text())).toHaveLength(5);

    for (const id of ["k1", "k2", "k3"]) expect(poolCounters(server, "google")[id]).toMatchObject({ requests: 1, promptTokens: 4, completionTokens: 5 });
    expectSameCounts(sim, server, "google", ["k1", "k2", "k3"]);
    expect(sim.stats().unknownKeyRequests).toBe(0);
  });

  it("@google/genai, built per call from the lease, reports usage with withKey and withKeyStream", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 6 });
    const keys = simKeys("genai", 2, sim.url);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ google: keys });
    const pool = client(server.grpcAddress);
    const ai = (lease: { apiKey: string; baseUrl: string | undefined }) =>
      new GoogleGenAI({ apiKey: lease.apiKey, httpOptions: { ...(lease.baseUrl === undefined ? {} : { baseUrl: lease.baseUrl }) } });
    const request = { model: "gemini-2.5-flash", contents: "Count the keys, please." };

    const res = await pool.withKey("google", (lease) => ai(lease).models.generateContent(request), { model: "gemini-2.5-flash" });
    expect(res.usageMetadata?.candidatesTokenCount).toBe(6);
    let chunks = 0;
    for await (const chunk of pool.withKeyStream("google", (lease) => ai(lease).models.generateContentStream(request))) {
      chunks += chunk.text === undefined ? 0 : 1;
    }
    expect(chunks).toBe(6);
    expect(poolCounters(server, "google")["k2"]).toMatchObject({ requests: 1, completionTokens: 6 });
    expectSameCounts(sim, server, "google", ["k1", "k2"]);
  });

  it("an invalid Gemini key (400 API_KEY_INVALID) thrown by @google/genai disables the key", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("gembad", 2, sim.url);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    sim.revoke(keys[0]!.secret);
    const server = await keypool({ google: keys });
    const pool = client(server.grpcAddress);
    const err = await pool
      .withKey("google", (lease) =>
        new GoogleGenAI({ apiKey: lease.apiKey, httpOptions: { baseUrl: lease.baseUrl! } }).models.generateContent({ model: "gemini-2.5-flash", contents: "hi" }),
      )
      .catch((e: unknown) => e);
    expect((err as { status: number }).status).toBe(400);
    const counted = poolCounters(server, "google");
    expect(counted["k1"]).toMatchObject({ state: "disabled", byOutcome: { unauthorized: 1 } });
  });
});

describe("Azure OpenAI through pool.fetch", () => {
  it("sends the key as api-key to the key's resource endpoint", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 3 });
    const keys = simKeys("az", 2, sim.url);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ azure: keys });
    const pool = client(server.grpcAddress);
    const azure = new AzureOpenAI({
      apiKey: "unused",
      endpoint: "https://placeholder.openai.azure.com",
      apiVersion: "2024-10-21",
      deployment: "gpt-4o-mini",
      fetch: pool.fetch("azure"),
      maxRetries: 0,
    });
    for (let i = 0; i < 2; i++) {
      const res = await azure.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
      expect(res.usage?.completion_tokens).toBe(3);
    }
    expect(sim.keyStats("k1")?.successes).toBe(1);
    expect(sim.keyStats("k2")?.successes).toBe(1);
    expectSameCounts(sim, server, "azure", ["k1", "k2"]);
  });
});
