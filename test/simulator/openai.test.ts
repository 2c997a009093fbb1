import { describe, expect, it } from "vitest";
import { bearer, chatBody, post, sseData, start } from "./helpers.js";

const key = "sk-test-openai-key-0001";

describe("OpenAI-compatible chat completions", () => {
  it("answers a chat.completion with usage and rate-limit headers", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 10, tpm: 1000 } }, completionTokens: 16 });
    const reply = await post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(key));

    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("application/json");
    expect(reply.body).toMatchObject({
      object: "chat.completion",
      model: "gpt-4o-mini",
      choices: [{ index: 0, message: { role: "assistant" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 2, completion_tokens: 16, total_tokens: 18 },
    });
    expect(reply.body.id).toMatch(/^chatcmpl-/);
    expect(typeof reply.body.choices[0].message.content).toBe("string");
    expect(reply.headers.get("x-ratelimit-limit-requests")).toBe("10");
    expect(reply.headers.get("x-ratelimit-remaining-requests")).toBe("9");
    expect(reply.headers.get("x-ratelimit-reset-requests")).toBe("1m0s");
    expect(reply.headers.get("x-ratelimit-limit-tokens")).toBe("1000");
    expect(reply.headers.get("x-ratelimit-remaining-tokens")).toBe("982");
  });

  it("caps the completion at max_completion_tokens / max_tokens and says finish_reason length", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const a = await post(`${sim.url}/v1/chat/completions`, chatBody({ max_tokens: 3 }), bearer(key));
    const b = await post(`${sim.url}/v1/chat/completions`, chatBody({ max_completion_tokens: 5, max_tokens: 3 }), bearer(key));
    const c = await post(`${sim.url}/v1/chat/completions`, chatBody({ max_tokens: 500 }), bearer(key));
    expect(a.body.usage.completion_tokens).toBe(3);
    expect(a.body.choices[0].finish_reason).toBe("length");
    expect(b.body.usage.completion_tokens).toBe(5);
    expect(c.body.usage.completion_tokens).toBe(16);
    expect(c.body.choices[0].finish_reason).toBe("stop");
  });

  it("counts prompt tokens as ceil(chars/4) over every text part, deterministically", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const body = chatBody({
      messages: [
        { role: "system", content: "abcde" }, // 5
        { role: "user", content: [{ type: "text", text: "fghij" }, { type: "image_url", image_url: { url: "x" } }] }, // 5
      ],
    });
    const first = await post(`${sim.url}/v1/chat/completions`, body, bearer(key));
    const second = await post(`${sim.url}/v1/chat/completions`, body, bearer(key));
    expect(first.body.usage.prompt_tokens).toBe(3);
    expect(second.body.choices[0].message.content).toBe(first.body.choices[0].message.content);
  });

  it("streams chat.completion.chunk frames, a usage chunk when asked, then [DONE]", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 5 } }, completionTokens: 4 });
    const reply = await post(
      `${sim.url}/v1/chat/completions`,
      chatBody({ stream: true, stream_options: { include_usage: true } }),
      bearer(key),
    );
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(reply.headers.get("x-ratelimit-remaining-requests")).toBe("4");
    expect(reply.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const chunks = sseData(reply.text);
    expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(chunks[0].choices[0].delta).toMatchObject({ role: "assistant", content: "" });
    const content = chunks.flatMap((c) => c.choices.map((ch: any) => ch.delta.content ?? "")).join("");
    const whole = await post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(key));
    expect(content).toBe(whole.body.choices[0].message.content);
    const finish = chunks.find((c) => c.choices[0]?.finish_reason !== null && c.choices.length > 0);
    expect(finish.choices[0].finish_reason).toBe("stop");
    const last = chunks[chunks.length - 1];
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4, total_tokens: 6 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it("sends no usage chunk without stream_options.include_usage", async () => {
    const { sim } = await start({ keys: { [key]: {} }, completionTokens: 2 });
    const reply = await post(`${sim.url}/v1/chat/completions`, chatBody({ stream: true }), bearer(key));
    const chunks = sseData(reply.text);
    expect(chunks.every((c) => c.choices.length === 1 && !("usage" in c))).toBe(true);
    expect(chunks).toHaveLength(4); // role, 2 tokens, finish
  });

  it("also answers without the /v1 prefix", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    expect((await post(`${sim.url}/chat/completions`, chatBody(), bearer(key))).status).toBe(200);
    expect((await post(`${sim.url}/embeddings`, { model: "m", input: "x" }, bearer(key))).status).toBe(200);
  });
});

describe("OpenAI errors", () => {
  it("answers 401 invalid_api_key for an unknown key, masked like OpenAI", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const unknown = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789WXYZ";
    const reply = await post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(unknown));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toMatchObject({ type: "invalid_request_error", param: null, code: "invalid_api_key" });
    expect(reply.body.error.message).toContain(`Incorrect API key provided: sk-proj-${"*".repeat(unknown.length - 12)}WXYZ.`);
    expect(reply.text).not.toContain(unknown);
  });

  it("answers 401 for a missing credential", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(`${sim.url}/v1/chat/completions`, chatBody());
    expect(reply.status).toBe(401);
    expect(reply.body.error.message).toMatch(/You didn't provide an API key/);
    expect(sim.stats().unknownKeyRequests).toBe(1);
    expect(sim.stats().missingCredentialRequests).toBe(1);
  });

  it("answers 400 for malformed JSON and for missing fields", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const malformed = await post(`${sim.url}/v1/chat/completions`, "{not json", bearer(key));
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ type: "invalid_request_error", param: null, code: null });
    expect(malformed.body.error.message).toMatch(/could not parse the JSON body/);

    const noMessages = await post(`${sim.url}/v1/chat/completions`, { model: "gpt-4o-mini" }, bearer(key));
    expect(noMessages.status).toBe(400);
    expect(noMessages.body.error).toMatchObject({ param: "messages", code: "missing_required_parameter" });

    const noModel = await post(`${sim.url}/v1/chat/completions`, { messages: [{ role: "user", content: "x" }] }, bearer(key));
    expect(noModel.status).toBe(400);
    expect(noModel.body.error.message).toBe("you must provide a model parameter");

    const badMax = await post(`${sim.url}/v1/chat/completions`, chatBody({ max_tokens: 0 }), bearer(key));
    expect(badMax.status).toBe(400);
    expect(badMax.body.error).toMatchObject({ param: "max_tokens", code: "integer_below_min_value" });
    expect(sim.keyStats(key)?.badRequests).toBe(4);
  });

  it("answers 404 for an unknown route or method", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(`${sim.url}/v1/nothing-here`, {}, bearer(key));
    expect(reply.status).toBe(404);
    expect(reply.body.error.message).toBe("Invalid URL (POST /v1/nothing-here)");
    const get = await fetch(`${sim.url}/v1/chat/completions`, { headers: bearer(key) });
    expect(get.status).toBe(404);
    await get.text();
    expect(sim.stats().notFoundRequests).toBe(2);
  });
});

describe("OpenAI embeddings", () => {
  it("returns float vectors with usage", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(
      `${sim.url}/v1/embeddings`,
      { model: "text-embedding-3-small", input: ["abcd", "abcdefgh"], dimensions: 8, encoding_format: "float" },
      bearer(key),
    );
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      object: "list",
      model: "text-embedding-3-small",
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
    expect(reply.body.data).toHaveLength(2);
    expect(reply.body.data[1]).toMatchObject({ object: "embedding", index: 1 });
    const vector: number[] = reply.body.data[0].embedding;
    expect(vector).toHaveLength(8);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });

  it("encodes base64 little-endian float32 when asked, as the openai SDK does by default", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const body = { model: "text-embedding-3-small", input: "hello", dimensions: 4 };
    const floats = await post(`${sim.url}/v1/embeddings`, body, bearer(key));
    const base64 = await post(`${sim.url}/v1/embeddings`, { ...body, encoding_format: "base64" }, bearer(key));
    const bytes = Buffer.from(base64.body.data[0].embedding, "base64");
    const decoded = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(floats.body.data[0].embedding);
  });

  it("defaults to the model's dimensions and validates input", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(`${sim.url}/v1/embeddings`, { model: "text-embedding-3-small", input: "x" }, bearer(key));
    expect(reply.body.data[0].embedding).toHaveLength(1536);
    const missing = await post(`${sim.url}/v1/embeddings`, { model: "text-embedding-3-small" }, bearer(key));
    expect(missing.status).toBe(400);
    expect(missing.body.error.param).toBe("input");
  });
});

describe("Azure OpenAI", () => {
  const path = "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21";

  it("takes the api-key header and the deployment as the model", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 3 } } });
    const reply = await post(`${sim.url}${path}`, { messages: [{ role: "user", content: "hi" }] }, { "api-key": key });
    expect(reply.status).toBe(200);
    expect(reply.body.model).toBe("my-gpt");
    expect(reply.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    const embeddings = await post(
      `${sim.url}/openai/deployments/emb/embeddings?api-version=2024-10-21`,
      { input: "hi", dimensions: 2 },
      { "api-key": key },
    );
    expect(embeddings.status).toBe(200);
  });

  it("answers Azure-style 401, 404 without api-version, and 429 with retry-after", async () => {
    const { sim } = await start({ keys: { [key]: { rpm: 1 } } });
    const bad = await post(`${sim.url}${path}`, chatBody(), { "api-key": "wrong-key-0000000000" });
    expect(bad.status).toBe(401);
    expect(bad.body.error.code).toBe("401");
    expect(bad.body.error.message).toMatch(/invalid subscription key/);

    const noVersion = await post(`${sim.url}/openai/deployments/my-gpt/chat/completions`, chatBody(), { "api-key": key });
    expect(noVersion.status).toBe(404);
    expect(noVersion.body).toEqual({ error: { code: "404", message: "Resource not found" } });

    expect((await post(`${sim.url}${path}`, chatBody(), { "api-key": key })).status).toBe(200);
    const limited = await post(`${sim.url}${path}`, chatBody(), { "api-key": key });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("429");
    expect(limited.body.error.message).toMatch(/Please retry after 60 seconds/);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(limited.headers.get("retry-after-ms")).toBe("60000");
  });
});
