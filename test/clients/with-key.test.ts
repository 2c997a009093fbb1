import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { Lease } from "../../clients/typescript/src/index.js";
import { client, keypool, poolCounters, simKeys, simulator } from "./harness.js";
import { healthAvailableAt } from "../../src/pool/key-health.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "abcdefgh" }] };
const openaiFor = (lease: Lease) => new OpenAI({ apiKey: lease.apiKey, baseURL: lease.baseUrl!, maxRetries: 0 });

async function setup(n = 2, completionTokens = 4) {
  const sim = await simulator({ keys: {}, completionTokens });
  const keys = simKeys("wk", n, `${sim.url}/v1`);
  for (const k of keys) sim.addKey(k.secret, { label: k.id! });
  const server = await keypool({ openai: keys });
  return { sim, keys, server, pool: client(server.grpcAddress) };
}

describe("withKey", () => {
  it("reports success once with the usage of the returned completion", async () => {
    const { server, pool } = await setup();
    const res = await pool.withKey("openai", (lease) => openaiFor(lease).chat.completions.create(chat), { estimatedTokens: 50 });
    expect(res.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 4 });
    expect(poolCounters(server, "openai")["k1"]).toMatchObject({ requests: 1, promptTokens: 2, completionTokens: 4, byOutcome: { success: 1 } });
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  it("rethrows the SDK's RateLimitError after reporting it with its Retry-After", async () => {
    const { sim, keys, server, pool } = await setup();
    sim.failNext(keys[0]!.secret, 429, { retryAfterSeconds: 12 });
    let thrown: unknown;
    const err = await pool
      .withKey("openai", async (lease) => {
        try {
          return await openaiFor(lease).chat.completions.create(chat);
        } catch (e) {
          thrown = e;
          throw e;
        }
      })
      .catch((e: unknown) => e);
    expect(err).toBe(thrown);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const k1 = [...server.pool.keys()].find((k) => k.key.id === "k1")!;
    expect(k1.state).toBe("cooling_down");
    expect(healthAvailableAt(k1.key.health, Date.now())! - Date.now()).toBeGreaterThan(10_000);
    expect(poolCounters(server, "openai")["k1"]?.byOutcome).toEqual({ rate_limited: 1 });
  });

  it("reports an Anthropic 529 as a server error and a caller's own bug as cancelled, leaving the keys active", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("wka", 1, sim.url);
    sim.addKey(keys[0]!.secret, { label: "k1" });
    sim.failNext(keys[0]!.secret, 529);
    const server = await keypool({ anthropic: keys });
    const pool = client(server.grpcAddress);
    const call = (lease: Lease) =>
      new Anthropic({ apiKey: lease.apiKey, baseURL: lease.baseUrl!, maxRetries: 0 }).messages.create({
        model: "claude-simulated-model",
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      });
    const overloaded = await pool.withKey("anthropic", call).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(Anthropic.APIError);
    const bug = await pool
      .withKey("anthropic", () => {
        throw new TypeError("cannot read properties of undefined");
      })
      .catch((e: unknown) => e);
    expect(bug).toBeInstanceOf(TypeError);
    expect(poolCounters(server, "anthropic")["k1"]).toMatchObject({ state: "active", byOutcome: { server_error: 1, cancelled: 1 } });
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  it("reports a returned fetch Response by its status and Retry-After without consuming it", async () => {
    const { sim, keys, server, pool } = await setup();
    sim.failNext(keys[0]!.secret, 429, { retryAfterSeconds: 7 });
    const res = await pool.withKey("openai", (lease) =>
      fetch(`${lease.baseUrl}/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${lease.apiKey}`, "content-type": "application/json" },
        body: JSON.stringify(chat),
      }),
    );
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: unknown } }).error.code).toBeTruthy();
    const k1 = [...server.pool.keys()].find((k) => k.key.id === "k1")!;
    expect(k1.state).toBe("cooling_down");
    expect(healthAvailableAt(k1.key.health, Date.now())! - Date.now()).toBeGreaterThan(5_000);
  });

  it("withKeyStream reports the streamed usage at the end, and a stream left early as cancelled", async () => {
    const { server, pool } = await setup(2, 6);
    let text = "";
    const stream = pool.withKeyStream("openai", (lease) =>
      openaiFor(lease).chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } }),
    );
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.split(" ").length).toBeGreaterThanOrEqual(6);
    expect(poolCounters(server, "openai")["k1"]).toMatchObject({ promptTokens: 2, completionTokens: 6, byOutcome: { success: 1 } });

    for await (const chunk of pool.withKeyStream("openai", (lease) => openaiFor(lease).chat.completions.create({ ...chat, stream: true }))) {
      expect(chunk.object).toBe("chat.completion.chunk");
      break;
    }
    expect(poolCounters(server, "openai")["k2"]?.byOutcome).toEqual({ cancelled: 1 });
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  it("report() says when a lease was already reported; a lease serialises without its key", async () => {
    const { server, pool } = await setup(1);
    const lease = await pool.acquire("openai");
    expect(JSON.stringify(lease)).not.toContain("sk-test");
    expect(lease.apiKey).toMatch(/^sk-test-wk-/);
    const first = await pool.report(lease, { httpStatus: 500, errorMessage: `upstream echoed ${lease.apiKey} back` });
    expect(first).toEqual({ keyId: "k1", keyState: "active", alreadyReported: false, outcome: "server_error" });
    expect(await pool.report(lease, { outcome: "success" })).toMatchObject({ alreadyReported: true });
    const key = [...server.pool.keys()][0]!;
    expect(key.key.counters.byOutcome).toEqual({ server_error: 1 });
  });
});
