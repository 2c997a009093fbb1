import { request } from "node:http";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { keypoolProxy, poolKeys, simKeys, simulator, type ProxyTestServer } from "./harness.js";
import { waitUntil } from "../support/wait-until.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "Limits." }] };
const chatBody = JSON.stringify(chat);

/** A raw HTTP/1.1 exchange, for requests fetch would refuse to send (oversized heads, chunked uploads). */
function rawRequest(url: string, headers: Record<string, string>, body?: Buffer | string, chunked = false): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on("error", reject);
    if (chunked && body !== undefined) {
      // Written in pieces without a length, so the size is learned only while reading.
      const bytes = Buffer.from(body);
      for (let i = 0; i < bytes.length; i += 4096) req.write(bytes.subarray(i, i + 4096));
      req.end();
    } else req.end(body);
  });
}

/** A plain call that must still work after whatever the test did. */
async function stillServes(server: ProxyTestServer): Promise<void> {
  const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: chatBody });
  expect(res.status).toBe(200);
}

describe("proxy limits", () => {
  it("a body over the limit is a 413, declared or discovered while reading; nothing is leased or sent", async () => {
    const sim = await simulator();
    const server = await keypoolProxy({ openai: simKeys(sim, "big", 1, `${sim.url}/v1`) }, { proxy: { maxBodyBytes: 64 * 1024 } });
    const big = JSON.stringify({ ...chat, messages: [{ role: "user", content: "x".repeat(100 * 1024) }] });
    const declared = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: big });
    expect(declared.status).toBe(413);
    expect(declared.headers.get("connection")).toBe("close");
    expect(await declared.json()).toMatchObject({ error: { code: "request_too_large", message: expect.stringContaining("65536 bytes") } });
    const streamed = await rawRequest(`${server.proxyUrl}/openai/v1/chat/completions`, { "content-type": "application/json" }, big, true);
    expect(streamed.status).toBe(413);
    expect(sim.stats().totals.requests).toBe(0);
    expect(poolKeys(server, "openai")["k1"]?.requests).toBe(0);
    // Just under the limit is fine.
    const fits = JSON.stringify({ ...chat, messages: [{ role: "user", content: "x".repeat(60 * 1024) }] });
    expect((await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: fits })).status).toBe(200);
  });

  it("too many headers, or headers too large, are a 431 with a JSON error", async () => {
    const sim = await simulator();
    const server = await keypoolProxy({ openai: simKeys(sim, "head", 1, `${sim.url}/v1`) }, { proxy: { maxHeaderCount: 20, maxHeaderBytes: 4096 } });
    const many: Record<string, string> = {};
    for (let i = 0; i < 30; i++) many[`x-test-${i}`] = "1";
    const tooMany = await rawRequest(`${server.proxyUrl}/openai/v1/chat/completions`, many, chatBody);
    expect(tooMany.status).toBe(431);
    expect(JSON.parse(tooMany.body)).toMatchObject({ error: { code: "too_many_headers" } });
    const tooLarge = await rawRequest(`${server.proxyUrl}/openai/v1/chat/completions`, { "x-test-big": "y".repeat(8192) }, chatBody);
    expect(tooLarge.status).toBe(431);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ error: { code: "request_header_fields_too_large" } });
    expect(sim.stats().totals.requests).toBe(0);
    await stillServes(server);
  });

  it("an upstream that does not answer in time is a 504, reported as a timeout, and not retried", async () => {
    const sim = await simulator({ latency: { baseMs: 1_000 } });
    const keys = simKeys(sim, "slow", 2, `${sim.url}/v1`);
    const server = await keypoolProxy({ openai: keys }, { proxy: { upstreamTimeoutMs: 200 } });
    const started = performance.now();
    const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: chatBody });
    expect(res.status).toBe(504);
    expect(performance.now() - started).toBeLessThan(900);
    expect(await res.json()).toMatchObject({ error: { code: "upstream_timeout" } });
    expect(poolKeys(server, "openai")["k1"]?.byOutcome).toEqual({ timeout: 1 });
    expect(poolKeys(server, "openai")["k2"]?.requests).toBe(0);
    expect(server.pool.openLeaseCount()).toBe(0);
    await waitUntil(() => sim.keyStats("k1")!.clientDisconnects === 1, "the upstream request to be ended");
  });

  it("the SDK's own timeout (X-Stainless-Timeout) shortens the time budget", async () => {
    const sim = await simulator({ latency: { baseMs: 3_000 } });
    const server = await keypoolProxy({ openai: simKeys(sim, "sdkto", 1, `${sim.url}/v1`) });
    const started = performance.now();
    const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: chatBody, headers: { "x-stainless-timeout": "1" } });
    expect(res.status).toBe(504);
    const took = performance.now() - started;
    expect(took).toBeGreaterThanOrEqual(950);
    expect(took).toBeLessThan(2_500);
  });

  it("a stream that goes silent longer than the idle timeout is cut and reported as a timeout", async () => {
    const sim = await simulator({ completionTokens: 5, latency: { perTokenMs: 600 } });
    const server = await keypoolProxy({ openai: simKeys(sim, "idle", 1, `${sim.url}/v1`) }, { proxy: { upstreamIdleTimeoutMs: 200 } });
    const openai = new OpenAI({ apiKey: "sk-test-unused", baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });
    const read = async () => {
      for await (const _ of await openai.chat.completions.create({ ...chat, stream: true })) {
        // draining
      }
    };
    await expect(read()).rejects.toThrow();
    await waitUntil(() => server.pool.openLeaseCount() === 0, "the lease to end");
    expect(poolKeys(server, "openai")["k1"]?.byOutcome).toEqual({ timeout: 1 });
  });

  it("beyond the concurrent upstream limit a request gets a 503 with Retry-After at once, and is served again when a slot frees", async () => {
    const sim = await simulator({ completionTokens: 10, latency: { perTokenMs: 50 } });
    const server = await keypoolProxy({ openai: simKeys(sim, "conc", 2, `${sim.url}/v1`) }, { proxy: { maxConcurrent: 1 } });
    const first = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: JSON.stringify({ ...chat, stream: true }) });
    expect(first.status).toBe(200);
    const second = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, { method: "POST", body: chatBody });
    expect(second.status).toBe(503);
    expect(second.headers.get("retry-after")).toBe("1");
    expect(await second.json()).toMatchObject({ error: { code: "proxy_busy", message: expect.stringContaining("limit of 1 concurrent") } });
    expect(sim.stats().totals.requests).toBe(1);
    await first.text();
    await stillServes(server);
  });

  it("unknown routes and providers are 404s; nothing is leased", async () => {
    const sim = await simulator();
    const server = await keypoolProxy({ openai: simKeys(sim, "route", 1, `${sim.url}/v1`) });
    const unknown = await fetch(`${server.proxyUrl}/nosuch/v1/chat/completions`, { method: "POST", body: chatBody });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "unknown_provider", message: expect.stringContaining("configured: openai") } });
    const root = await fetch(`${server.proxyUrl}/`);
    expect(root.status).toBe(404);
    expect(await root.json()).toMatchObject({ error: { code: "unknown_route" } });
    expect(sim.stats().totals.requests).toBe(0);
  });

  it("a provider without a built-in endpoint and without base_url is a 502 naming the fix", async () => {
    const server = await keypoolProxy({ local: [{ id: "l1", secret: "sk-test-local-0001" }] });
    const res = await fetch(`${server.proxyUrl}/local/v1/chat/completions`, { method: "POST", body: chatBody });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: { code: "no_upstream", message: expect.stringContaining("base_url") } });
    expect(poolKeys(server, "local")["l1"]?.requests).toBe(0);
  });
});
