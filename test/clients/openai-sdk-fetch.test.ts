import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import type { StreamStatsResponse } from "../../clients/typescript/src/index.js";
import { client, keypool, poolCounters, simKeys, simulator } from "./harness.js";
import { healthAvailableAt, healthReason } from "../../src/pool/key-health.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Say something about key pools." }] };

describe("the official OpenAI SDK through pool.fetch", () => {
  it("20 chat calls, half streamed, use each of five keys four times and report the simulator's token counts", async () => {
    const sim = await simulator({ keys: {}, completionTokens: 7 });
    const keys = simKeys("oai", 5, `${sim.url}/v1`);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const openai = new OpenAI({ apiKey: "unused", fetch: pool.fetch("openai"), maxRetries: 0 });

    for (let i = 0; i < 10; i++) {
      const completion = await openai.chat.completions.create(chat);
      expect(completion.usage?.completion_tokens).toBe(7);
      const stream = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      expect(text.length).toBeGreaterThan(0);
    }

    const seen = sim.stats();
    for (const k of keys) expect(seen.byLabel[k.id!]).toMatchObject({ requests: 4, successes: 4 });
    // The SDK's placeholder never reached the provider.
    expect([...seen.seenCredentials].sort()).toEqual(keys.map((k) => k.secret).sort());
    // keypool's own statistics, over the same gRPC API, show what the simulator billed, key by key.
    let snapshot: StreamStatsResponse | undefined;
    for await (const s of pool.stats({ providers: ["openai"] })) {
      snapshot = s;
      break;
    }
    const stats = snapshot!.providers[0]!;
    expect(stats).toMatchObject({ requestsTotal: 20, successesTotal: 20, completionTokensTotal: 140, promptTokensTotal: seen.totals.promptTokens });
    for (const k of keys) {
      const s = seen.byLabel[k.id!]!;
      expect(s.completionTokens).toBe(28);
      expect(stats.keys.find((key) => key.keyId === k.id)).toMatchObject({ requestsTotal: 4, promptTokensTotal: s.promptTokens, completionTokensTotal: s.completionTokens });
    }
    expect(poolCounters(server, "openai")["k1"]).toMatchObject({ requests: 4, completionTokens: 28 });
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  it("a 429 with Retry-After is retried once with another key; that key cools down for the given time", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("rl", 3, `${sim.url}/v1`);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const openai = new OpenAI({ apiKey: "unused", fetch: pool.fetch("openai"), maxRetries: 0 });
    sim.failNext(keys[0]!.secret, 429, { retryAfterSeconds: 30 });

    const before = Date.now();
    const completion = await openai.chat.completions.create(chat);
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(sim.keyStats("k1")).toMatchObject({ requests: 1, rateLimited: 1 });
    expect(sim.keyStats("k2")).toMatchObject({ requests: 1, successes: 1 });

    const k1 = [...server.pool.keys()].find((k) => k.key.id === "k1")!;
    expect(k1.state).toBe("cooling_down");
    const until = healthAvailableAt(k1.key.health, Date.now())!;
    expect(until - before).toBeGreaterThanOrEqual(29_000);
    expect(until - Date.now()).toBeLessThanOrEqual(30_000);
    expect(healthReason(k1.key.health, Date.now())).toMatch(/rate limited \(429\)/);
    // The next calls go to the other keys only.
    for (let i = 0; i < 4; i++) await openai.chat.completions.create(chat);
    expect(sim.keyStats("k1")?.requests).toBe(1);
    expect(poolCounters(server, "openai")["k1"]?.byOutcome).toEqual({ rate_limited: 1 });
  });

  it("when the retry meets a 429 too, the caller gets the provider's 429 and both keys are reported", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("rl2", 2, `${sim.url}/v1`);
    for (const k of keys) {
      sim.addKey(k.secret, { label: k.id! });
      sim.failNext(k.secret, 429, { retryAfterSeconds: 5 });
    }
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const openai = new OpenAI({ apiKey: "unused", fetch: pool.fetch("openai"), maxRetries: 0 });
    const err = await openai.chat.completions.create(chat).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("5");
    expect(Object.values(poolCounters(server, "openai")).map((c) => c.state)).toEqual(["cooling_down", "cooling_down"]);
    // A third attempt has no key left: the pool answers like one busy key, a 429 with its retry delay.
    const third = await openai.chat.completions.create(chat).catch((e: unknown) => e);
    expect(third).toBeInstanceOf(OpenAI.RateLimitError);
    const busy = third as InstanceType<typeof OpenAI.RateLimitError>;
    expect(busy.headers.get("x-keypool-refused")).toBe("RESOURCE_EXHAUSTED");
    expect(Number(busy.headers.get("retry-after-ms"))).toBeGreaterThan(3_000);
    expect(busy.message).toMatch(/keypool: every key of provider openai is at its limits or cooling down/);
    expect(sim.stats().totals.requests).toBe(2);
  });

  it("a revoked key's 401 disables it with the reason, without the secret in it", async () => {
    const sim = await simulator({ keys: {} });
    const keys = simKeys("auth", 2, `${sim.url}/v1`);
    for (const k of keys) sim.addKey(k.secret, { label: k.id! });
    sim.revoke(keys[0]!.secret);
    const server = await keypool({ openai: keys });
    const pool = client(server.grpcAddress);
    const openai = new OpenAI({ apiKey: "unused", fetch: pool.fetch("openai"), maxRetries: 0 });
    const err = await openai.chat.completions.create(chat).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    const k1 = [...server.pool.keys()].find((k) => k.key.id === "k1")!;
    expect(k1.state).toBe("disabled");
    const reason = healthReason(k1.key.health, Date.now());
    expect(reason).toMatch(/unauthorized \(401\/403\): invalid_api_key: Incorrect API key provided/);
    expect(reason).not.toContain(keys[0]!.secret);
    expect((await openai.chat.completions.create(chat)).usage?.prompt_tokens).toBeGreaterThan(0);
  });
});
