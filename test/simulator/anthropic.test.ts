import { describe, expect, it } from "vitest";
import { post, sseEvents, start } from "./helpers.js";

const key = "sk-ant-api03-test-key-0001";
const headers = (secret = key) => ({ "x-api-key": secret, "anthropic-version": "2023-06-01" });
const body = (extra: Record<string, unknown> = {}) => ({
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  messages: [{ role: "user", content: "12345678" }], // 2 tokens
  ...extra,
});

describe("Anthropic messages", () => {
  it("answers a message with usage and anthropic-ratelimit headers", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 5, tpm: 10_000 } }, completionTokens: 7 });
    const reply = await post(`${sim.url}/v1/messages`, body(), headers());
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      stop_reason: "end_turn",
      stop_sequence: null,
      usage: { input_tokens: 2, output_tokens: 7 },
    });
    expect(reply.body.id).toMatch(/^msg_/);
    expect(reply.body.content).toEqual([{ type: "text", text: expect.any(String) }]);
    expect(reply.headers.get("anthropic-ratelimit-requests-limit")).toBe("5");
    expect(reply.headers.get("anthropic-ratelimit-requests-remaining")).toBe("4");
    expect(reply.headers.get("anthropic-ratelimit-requests-reset")).toBe(new Date(clock.now() + 60_000).toISOString());
    expect(reply.headers.get("anthropic-ratelimit-tokens-remaining")).toBe(String(10_000 - 9));
  });

  it("counts system text and content blocks, and stops at max_tokens", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const reply = await post(
      `${sim.url}/v1/messages`,
      body({ system: [{ type: "text", text: "abcd" }], messages: [{ role: "user", content: [{ type: "text", text: "abcd" }] }], max_tokens: 2 }),
      headers(),
    );
    expect(reply.body.usage).toMatchObject({ input_tokens: 2, output_tokens: 2 });
    expect(reply.body.stop_reason).toBe("max_tokens");
  });

  it("streams the event sequence with usage in message_start and message_delta", async () => {
    const { sim } = await start({ keys: { [key]: {} }, completionTokens: 3 });
    const reply = await post(`${sim.url}/v1/messages`, body({ stream: true }), headers());
    expect(reply.status).toBe(200);
    expect(reply.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseEvents(reply.text);
    expect(events.map(([name]) => name)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
      "content_block_delta",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    for (const [name, data] of events) expect(data.type).toBe(name);
    expect(events[0]?.[1].message.usage.input_tokens).toBe(2);
    expect(events[7]?.[1]).toMatchObject({ delta: { stop_reason: "end_turn" }, usage: { output_tokens: 3 } });
    const text = events.filter(([n]) => n === "content_block_delta").map(([, d]) => d.delta.text).join("");
    const whole = await post(`${sim.url}/v1/messages`, body(), headers());
    expect(text).toBe(whole.body.content[0].text);
  });
});

describe("Anthropic errors", () => {
  it("answers 401 authentication_error for unknown and missing keys", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const unknown = await post(`${sim.url}/v1/messages`, body(), headers("sk-ant-nope"));
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } });
    const missing = await post(`${sim.url}/v1/messages`, body(), { "anthropic-version": "2023-06-01" });
    expect(missing.status).toBe(401);
    expect(missing.body.error.type).toBe("authentication_error");
  });

  it("answers 400 invalid_request_error without anthropic-version, max_tokens, or valid JSON", async () => {
    const { sim } = await start({ keys: { [key]: {} } });
    const noVersion = await post(`${sim.url}/v1/messages`, body(), { "x-api-key": key });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error).toEqual({ type: "invalid_request_error", message: "anthropic-version: header is required" });
    const noMax = await post(`${sim.url}/v1/messages`, { model: "m", messages: [{ role: "user", content: "x" }] }, headers());
    expect(noMax.status).toBe(400);
    expect(noMax.body.error.message).toBe("max_tokens: Field required");
    const malformed = await post(`${sim.url}/v1/messages`, "nope", headers());
    expect(malformed.status).toBe(400);
    expect(malformed.body.type).toBe("error");
  });

  it("answers 429 rate_limit_error with retry-after and rate-limit headers", async () => {
    const { sim, clock } = await start({ keys: { [key]: { rpm: 2 } }, windowMs: 10_000 });
    await post(`${sim.url}/v1/messages`, body(), headers());
    clock.advance(2_000);
    await post(`${sim.url}/v1/messages`, body(), headers());
    clock.advance(1_000);
    const reply = await post(`${sim.url}/v1/messages`, body(), headers());
    expect(reply.status).toBe(429);
    expect(reply.body.type).toBe("error");
    expect(reply.body.error.type).toBe("rate_limit_error");
    expect(reply.body.error.message).toMatch(/2 requests per minute/);
    expect(reply.headers.get("retry-after")).toBe("7");
    expect(reply.headers.get("anthropic-ratelimit-requests-remaining")).toBe("0");
    expect(reply.headers.get("anthropic-ratelimit-requests-reset")).toBe(new Date(clock.now() + 9_000).toISOString());
  });
});
