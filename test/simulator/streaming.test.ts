import { describe, expect, it } from "vitest";
import { bearer, chatBody, post, start } from "./helpers.js";
import { waitUntil } from "../support/wait-until.js";

const key = "sk-test-stream-key-0001";

function streamRequest(url: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...bearer(key) },
    body: JSON.stringify(chatBody({ stream: true })),
    ...(signal === undefined ? {} : { signal }),
  });
}

describe("streaming latency", () => {
  it("sends headers first, then tokens spaced by perTokenMs after timeToFirstTokenMs", async () => {
    const { sim } = await start({
      keys: { [key]: {} },
      completionTokens: 4,
      latency: { timeToFirstTokenMs: 80, perTokenMs: 40 },
    });
    const started = performance.now();
    const res = await streamRequest(sim.url);
    const headersAt = performance.now() - started;
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const tokenTimes: number[] = [];
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const count = (buffer.match(/"delta":\{"content":"[^"]+"/g) ?? []).length;
      while (tokenTimes.length < count) tokenTimes.push(performance.now() - started);
    }
    expect(tokenTimes).toHaveLength(4);
    expect(headersAt).toBeLessThan(tokenTimes[0]!);
    expect(tokenTimes[0]!).toBeGreaterThanOrEqual(70);
    // Three gaps of 40 ms between the first and the last token (timers may fire a little late, never early).
    expect(tokenTimes[3]! - tokenTimes[0]!).toBeGreaterThanOrEqual(110);
    expect(buffer.trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  it("delays a non-streamed reply by base latency, time to first token and the token gaps", async () => {
    const { sim } = await start({
      keys: { [key]: {} },
      completionTokens: 3,
      latency: { baseMs: 30, timeToFirstTokenMs: 30, perTokenMs: 20 },
    });
    const started = performance.now();
    const reply = await post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(key));
    expect(reply.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });

  it("tracks concurrent requests in flight", async () => {
    const { sim } = await start({ keys: { [key]: {} }, latency: { baseMs: 100 } });
    const replies = await Promise.all([1, 2, 3].map(() => post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(key))));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(sim.keyStats(key)).toMatchObject({ inFlight: 0, peakInFlight: 3, successes: 3 });
  });
});

describe("client disconnects", () => {
  it("stops writing a stream when the client goes away", async () => {
    const { sim } = await start({ keys: { [key]: {} }, completionTokens: 200, latency: { perTokenMs: 25 } });
    const abort = new AbortController();
    const res = await streamRequest(sim.url, abort.signal);
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    expect(sim.keyStats(key)?.inFlight).toBe(1);
    abort.abort();
    // 200 tokens would take 5 s; the handler must end at once.
    await waitUntil(() => sim.keyStats(key)?.inFlight === 0, "no request in flight");
    expect(sim.keyStats(key)).toMatchObject({ clientDisconnects: 1, successes: 1 });
  });

  it("does not answer a request whose client left during the latency", async () => {
    const { sim } = await start({ keys: { [key]: {} }, latency: { baseMs: 5_000 } });
    const abort = new AbortController();
    const pending = post(`${sim.url}/v1/chat/completions`, chatBody(), bearer(key));
    void pending.catch(() => undefined);
    const request = fetch(`${sim.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", ...bearer(key) },
      body: JSON.stringify(chatBody()),
      signal: abort.signal,
    });
    void request.catch(() => undefined);
    await waitUntil(() => sim.keyStats(key)?.inFlight === 2, "two requests in flight");
    abort.abort();
    await waitUntil(() => sim.keyStats(key)?.inFlight === 1, "one request in flight");
    expect(sim.keyStats(key)).toMatchObject({ clientDisconnects: 1, successes: 0 });
  });

  it("close() ends open streams and resolves promptly", async () => {
    const { sim } = await start({ keys: { [key]: {} }, completionTokens: 1_000, latency: { perTokenMs: 50 } });
    const res = await streamRequest(sim.url);
    const reader = res.body!.getReader();
    await reader.read();
    const started = performance.now();
    await sim.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    await expect(
      (async () => {
        for (;;) {
          const { done } = await reader.read();
          if (done) return "ended";
        }
      })(),
    ).rejects.toThrow();
  });
});
