import { createServer } from "node:net";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Failover, please." }] };

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("failover across keys", () => {
  it("one key limited by the provider and another revoked: every call succeeds, the limited key is held from its headers, and the key states say why", async () => {
    const sim = await simulator({ completionTokens: 5 });
    const keys = simKeys(sim, "fo", 4, `${sim.url}/v1`);
    // The provider allows k1 two requests a minute (keypool does not know), and k2 was revoked.
    sim.setLimits(keys[0]!.secret, { rpm: 2 });
    sim.revoke(keys[1]!.secret);
    const server = await keypoolProxy({ openai: keys });
    const openai = new OpenAI({ apiKey: "sk-test-unused", baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });

    for (let i = 0; i < 16; i++) {
      if (i % 2 === 0) {
        const res = await openai.chat.completions.create(chat);
        expect(res.usage?.completion_tokens).toBe(5);
      } else {
        let text = "";
        for await (const chunk of await openai.chat.completions.create({ ...chat, stream: true })) text += chunk.choices[0]?.delta.content ?? "";
        expect(text).not.toBe("");
      }
    }

    const states = poolKeys(server, "openai");
    // Its second answer said no request was left this minute: keypool held k1 without a 429.
    expect(states["k1"]).toMatchObject({ state: "active", byOutcome: { success: 2 } });
    expect(states["k2"]).toMatchObject({ state: "disabled", byOutcome: { unauthorized: 1 } });
    expect(states["k2"]!.reason).toMatch(/401/);
    expect(states["k3"]!.state).toBe("active");
    expect(states["k4"]!.state).toBe("active");
    // The provider saw k2 once and k1 twice, both served; the rest went to k3 and k4.
    expect(sim.keyStats("k2")).toMatchObject({ requests: 1, unauthorized: 1 });
    expect(sim.keyStats("k1")).toMatchObject({ requests: 2, successes: 2, rateLimited: 0 });
    expect(sim.keyStats("k3")!.successes + sim.keyStats("k4")!.successes).toBe(14);
    expect(Math.abs(sim.keyStats("k3")!.successes - sim.keyStats("k4")!.successes)).toBeLessThanOrEqual(1);
    expect(server.pool.openLeaseCount()).toBe(0);
  });

  it("a key whose upstream refuses connections is reported and the request goes to another key", async () => {
    const sim = await simulator();
    const port = await closedPort();
    const good = simKeys(sim, "conn", 1, `${sim.url}/v1`);
    const dead = { id: "dead", secret: "sk-test-conn-dead-0001", baseUrl: `http://127.0.0.1:${port}/v1` };
    const server = await keypoolProxy({ openai: [dead, ...good] });
    const openai = new OpenAI({ apiKey: "sk-test-unused", baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });
    const { data, response } = await openai.chat.completions.create(chat).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get("x-keypool-attempts")).toBe("2");
    expect(response.headers.get("x-keypool-key-id")).toBe("k1");
    expect(poolKeys(server, "openai")["dead"]?.byOutcome).toEqual({ server_error: 1 });
    expect(sim.keyStats("k1")?.successes).toBe(1);
  });

  it("a 5xx is passed through by default and retried with another key when configured", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "five", 2, `${sim.url}/v1`);
    const passThrough = await keypoolProxy({ openai: keys });
    sim.failNext(keys[0]!.secret, 503);
    const openai = new OpenAI({ apiKey: "sk-test-unused", baseURL: `${passThrough.proxyUrl}/openai/v1`, maxRetries: 0 });
    await expect(openai.chat.completions.create(chat)).rejects.toMatchObject({ status: 503 });
    expect(poolKeys(passThrough, "openai")["k1"]?.byOutcome).toEqual({ server_error: 1 });
    expect(sim.keyStats("k2")?.requests).toBe(0);

    const retrying = await keypoolProxy({ openai: keys }, { proxy: { retryServerErrors: true } });
    sim.failNext(keys[0]!.secret, 500);
    const again = new OpenAI({ apiKey: "sk-test-unused", baseURL: `${retrying.proxyUrl}/openai/v1`, maxRetries: 0 });
    await expect(again.chat.completions.create(chat)).resolves.toMatchObject({ object: "chat.completion" });
    expect(poolKeys(retrying, "openai")["k1"]?.byOutcome).toEqual({ server_error: 1 });
    expect(poolKeys(retrying, "openai")["k2"]?.byOutcome).toEqual({ success: 1 });
  });

  it("when no key can serve, the client gets a 429 whose Retry-After is the pool's earliest availability", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "busy", 2, `${sim.url}/v1`, { rpm: 1 });
    const server = await keypoolProxy({ openai: keys });
    const url = `${server.proxyUrl}/openai/v1/chat/completions`;
    const call = () => fetch(url, { method: "POST", headers: { authorization: "Bearer sk-test-unused", "content-type": "application/json" }, body: JSON.stringify(chat) });
    expect((await call()).status).toBe(200);
    expect((await call()).status).toBe(200);
    const refused = await call();
    expect(refused.status).toBe(429);
    expect(refused.headers.get("x-keypool-refused")).toBe("RESOURCE_EXHAUSTED");
    const retryMs = Number(refused.headers.get("retry-after-ms"));
    // One request a minute per key, counted for the window plus its margin (1 s at most).
    expect(retryMs).toBeGreaterThan(58_000);
    expect(retryMs).toBeLessThanOrEqual(61_000);
    expect(Number(refused.headers.get("retry-after"))).toBe(Math.ceil(retryMs / 1000));
    expect(await refused.json()).toMatchObject({ error: { code: "pool_busy", type: "keypool_error", message: expect.stringContaining("retry in") } });
    expect(sim.stats().totals.requests).toBe(2);
  });

  it("with maxWaitMs a request waits for a key to free up instead of getting a 429", async () => {
    const sim = await simulator({ completionTokens: 10, latency: { perTokenMs: 30 } });
    const keys = simKeys(sim, "wait", 1, `${sim.url}/v1`, { maxConcurrent: 1 });
    const body = JSON.stringify({ ...chat, stream: true });
    const noWait = await keypoolProxy({ openai: keys });
    const first = await fetch(`${noWait.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body });
    const refused = await fetch(`${noWait.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body });
    expect(refused.status).toBe(429);
    await first.text();

    const waiting = await keypoolProxy({ openai: keys }, { proxy: { maxWaitMs: 5_000 } });
    const holder = await fetch(`${waiting.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body });
    const started = performance.now();
    const waited = await fetch(`${waiting.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body });
    expect(waited.status).toBe(200);
    // It got the key only once the first stream (10 tokens, 30 ms apart) had ended.
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    await holder.text();
    await waited.text();
    expect(sim.keyStats("k1")?.peakInFlight).toBe(1);
  });

  it("a provider 429 whose retry finds every other key busy ends in the pool's 429, not a third upstream call", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "both", 2, `${sim.url}/v1`);
    for (const k of keys) sim.failNext(k.secret, 429, { retryAfterSeconds: 20 });
    const server = await keypoolProxy({ openai: keys });
    const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat) });
    expect(res.status).toBe(429);
    expect(res.headers.get("x-keypool-refused")).toBe("RESOURCE_EXHAUSTED");
    // Both keys cool down for the 20 s the provider asked for; the pool says so.
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(19);
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(20);
    expect(sim.stats().totals).toMatchObject({ requests: 2, rateLimited: 2 });
    for (const id of ["k1", "k2"]) expect(poolKeys(server, "openai")[id]).toMatchObject({ state: "cooling_down", byOutcome: { rate_limited: 1 } });
  });

  it("a key the provider rejects on the last attempt becomes a 502 without the provider's text, and a pool of disabled keys a 503", async () => {
    const sim = await simulator();
    const keys = simKeys(sim, "dead", 2, `${sim.url}/v1`);
    for (const k of keys) sim.revoke(k.secret);
    const server = await keypoolProxy({ openai: keys }, { proxy: { maxAttempts: 1 } });
    const call = () => fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: JSON.stringify(chat) });
    const first = await call();
    expect(first.status).toBe(502);
    const text = await first.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "upstream_rejected_key" } });
    // OpenAI's 401 text shows part of the key; none of it is passed on.
    expect(text).not.toContain("sk-test-");
    expect(text).not.toContain("0001");
    expect((await call()).status).toBe(502);
    const none = await call();
    expect(none.status).toBe(503);
    expect(await none.json()).toMatchObject({ error: { code: "no_usable_key", message: expect.stringContaining("disabled") } });
    expect(sim.stats().totals.requests).toBe(2);
  });
});
