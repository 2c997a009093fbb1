import { describe, expect, it } from "vitest";
import { post, sseData, start } from "./helpers.js";

const key = "AIzaSyTest-gemini-key-0001";
const generate = "/v1beta/models/gemini-2.0-flash:generateContent";
const body = (extra: Record<string, unknown> = {}) => ({
  contents: [{ role: "user", parts: [{ text: "12345678" }] }], // 2 tokens
  ...extra,
});

describe("Gemini generateContent", () => {
  it("answers candidates and usageMetadata, taking x-goog-api-key", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 5 } }, completionTokens: 6 });
    const reply = await post(`${sim.url}${generate}`, body(), { "x-goog-api-key": key });
    expect(reply.status).toBe(200);
    expect(reply.body.candidates[0]).toMatchObject({ content: { role: "model" }, finishReason: "STOP", index: 0 });
    expect(typeof reply.body.candidates[0].content.parts[0].text).toBe("string");
    expect(reply.body.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 6, totalTokenCount: 8 });
    expect(reply.body.modelVersion).toBe("gemini-2.0-flash");
    // Gemini sends no rate-limit headers.
    expect([...reply.headers.keys()].some((h) => h.includes("ratelimit"))).toBe(false);
  });

  it("takes ?key=, counts systemInstruction, honours maxOutputTokens (camel or snake case)", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(
      `${sim.url}${generate}?key=${key}`,
      body({ systemInstruction: { parts: [{ text: "abcd" }] }, generationConfig: { maxOutputTokens: 2 } }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.usageMetadata).toMatchObject({ promptTokenCount: 3, candidatesTokenCount: 2 });
    expect(reply.body.candidates[0].finishReason).toBe("MAX_TOKENS");
    const snake = await post(`${sim.url}/v1/models/gemini-2.0-flash:generateContent?key=${key}`, body({ generation_config: { max_output_tokens: 1 } }));
    expect(snake.body.usageMetadata.candidatesTokenCount).toBe(1);
  });

  it("streams SSE frames separated by CRLF CRLF with ?alt=sse", async () => {
    const { sim } = await start({ keys: { [key]: {} }, completionTokens: 3 });
    const reply = await post(`${sim.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`, body(), {
      "x-goog-api-key": key,
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/event-stream");
    expect(reply.text).toMatch(/^data: \{.*\}\r\n\r\ndata: /);
    const chunks = sseData(reply.text);
    expect(chunks).toHaveLength(3);
    const whole = await post(`${sim.url}${generate}`, body(), { "x-goog-api-key": key });
    expect(chunks.map((c) => c.candidates[0].content.parts[0].text).join("")).toBe(whole.body.candidates[0].content.parts[0].text);
    const last = chunks[2];
    expect(last.candidates[0].finishReason).toBe("STOP");
    expect(last.usageMetadata).toMatchObject({ promptTokenCount: 2, candidatesTokenCount: 3, totalTokenCount: 5 });
    expect(chunks[0].candidates[0].finishReason).toBeUndefined();
  });

  it("streams a JSON array without alt=sse", async () => {
    const { sim } = await start({ keys: { [key]: {} }, completionTokens: 3 });
    const reply = await post(`${sim.url}/v1beta/models/gemini-2.0-flash:streamGenerateContent`, body(), { "x-goog-api-key": key });
    expect(reply.status).toBe(200);
    expect(Array.isArray(reply.body)).toBe(true);
    expect(reply.body).toHaveLength(3);
  });

  it("embeds with embedContent and batchEmbedContents", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const one = await post(
      `${sim.url}/v1beta/models/text-embedding-004:embedContent`,
      { content: { parts: [{ text: "hello" }] }, outputDimensionality: 4 },
      { "x-goog-api-key": key },
    );
    expect(one.status).toBe(200);
    expect(one.body.embedding.values).toHaveLength(4);
    const batch = await post(
      `${sim.url}/v1beta/models/text-embedding-004:batchEmbedContents`,
      { requests: [{ content: { parts: [{ text: "hello" }] }, outputDimensionality: 4 }, { content: { parts: [{ text: "x" }] } }] },
      { "x-goog-api-key": key },
    );
    expect(batch.body.embeddings).toHaveLength(2);
    expect(batch.body.embeddings[0].values).toEqual(one.body.embedding.values);
    expect(batch.body.embeddings[1].values).toHaveLength(768);
  });
});

describe("Gemini errors", () => {
  it("answers 400 API_KEY_INVALID for an unknown or revoked key, as Google does", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const unknown = await post(`${sim.url}${generate}`, body(), { "x-goog-api-key": "AIzaSyNotAKey" });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({
      code: 400,
      status: "INVALID_ARGUMENT",
      message: "API key not valid. Please pass a valid API key.",
    });
    expect(unknown.body.error.details[0]).toMatchObject({
      "@type": "type.googleapis.com/google.rpc.ErrorInfo",
      reason: "API_KEY_INVALID",
    });
    sim.revoke(key);
    const revoked = await post(`${sim.url}${generate}`, body(), { "x-goog-api-key": key });
    expect(revoked.status).toBe(400);
    expect(revoked.body.error.details[0].reason).toBe("API_KEY_INVALID");
    expect(sim.keyStats(key)?.unauthorized).toBe(1);
  });

  it("answers 403 PERMISSION_DENIED without any key", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(`${sim.url}${generate}`, body());
    expect(reply.status).toBe(403);
    expect(reply.body.error.status).toBe("PERMISSION_DENIED");
  });

  it("answers 429 RESOURCE_EXHAUSTED with QuotaFailure and RetryInfo", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 1 } }, windowMs: 6000 });
    expect((await post(`${sim.url}${generate}`, body(), { "x-goog-api-key": key })).status).toBe(200);
    clock.advance(1500);
    const reply = await post(`${sim.url}${generate}`, body(), { "x-goog-api-key": key });
    expect(reply.status).toBe(429);
    expect(reply.body.error).toMatchObject({
      code: 429,
      message: "Resource has been exhausted (e.g. check quota).",
      status: "RESOURCE_EXHAUSTED",
    });
    const details = reply.body.error.details;
    expect(details.find((d: any) => d["@type"].endsWith("QuotaFailure")).violations[0]).toMatchObject({
      quotaId: "GenerateRequestsPerMinutePerProjectPerModel",
      quotaValue: "1",
      quotaDimensions: { model: "gemini-2.0-flash" },
    });
    expect(details.find((d: any) => d["@type"] === "type.googleapis.com/google.rpc.RetryInfo").retryDelay).toBe("4.500s");
    expect(reply.headers.get("retry-after")).toBeNull();
  });

  it("answers 400 INVALID_ARGUMENT for malformed JSON and missing contents, 404 NOT_FOUND for unknown methods", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const malformed = await post(`${sim.url}${generate}`, "{", { "x-goog-api-key": key });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.status).toBe("INVALID_ARGUMENT");
    const empty = await post(`${sim.url}${generate}`, {}, { "x-goog-api-key": key });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/contents is not specified/);
    const unknown = await post(`${sim.url}/v1beta/models/gemini-2.0-flash:countTokens`, body(), { "x-goog-api-key": key });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.status).toBe("NOT_FOUND");
  });
});
