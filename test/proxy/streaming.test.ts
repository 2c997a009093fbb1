import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { describe, expect, it, onTestFinished } from "vitest";
import { keypoolProxy, poolKeys, simKeys, simulator } from "./harness.js";
import { waitUntil } from "../support/wait-until.js";
import { readStreamedChat } from "../support/streamed-text.js";

const chat = { model: "gpt-4o-mini", messages: [{ role: "user" as const, content: "12345678" }] };

describe("streamed answers through the proxy", () => {
  it("each SSE chunk reaches the client as the provider sends it, and the lease is reported before the client sees the end", async () => {
    const sim = await simulator({ completionTokens: 10, latency: { perTokenMs: 40 } });
    const keys = simKeys(sim, "sse", 1, `${sim.url}/v1`);
    const server = await keypoolProxy({ openai: keys });
    const started = performance.now();
    const res = await fetch(`${server.proxyUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ ...chat, stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const read = await readStreamedChat(res.body!, sim, server.pool);
    expect(read).toMatchObject({ providerBusyAtFirstToken: true, openLeasesAtFirstToken: 1 });
    const whole = read.text;
    expect(performance.now() - started).toBeGreaterThanOrEqual(360);
    expect(whole.trimEnd().endsWith("data: [DONE]")).toBe(true);
    // No polling: the report happened before the end of the body was written.
    expect(read.openLeasesAtEnd).toBe(0);
    expect(poolKeys(server, "openai")["k1"]).toMatchObject({ promptTokens: sim.keyStats("k1")!.promptTokens, completionTokens: 10, byOutcome: { success: 1 } });
  });

  it("a client that disconnects mid-stream ends the upstream request and the lease", async () => {
    const sim = await simulator({ completionTokens: 100, latency: { perTokenMs: 20 } });
    const keys = simKeys(sim, "cut", 2, `${sim.url}/v1`);
    const server = await keypoolProxy({ openai: keys });
    const openai = new OpenAI({ apiKey: "sk-test-unused", baseURL: `${server.proxyUrl}/openai/v1`, maxRetries: 0 });
    const stream = await openai.chat.completions.create({ ...chat, stream: true, stream_options: { include_usage: true } });
    let chunks = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content !== undefined) chunks += 1;
      if (chunks === 3) break; // leaving the loop aborts the SDK's request
    }
    expect(server.pool.openLeaseCount()).toBeLessThanOrEqual(1);
    // A disconnect is counted only for an answer the simulator had not finished writing: the upstream was let go
    // before its end (the whole answer is 100 tokens, 20 ms apart).
    await waitUntil(() => sim.keyStats("k1")!.clientDisconnects === 1, "the simulator to see the upstream request end");
    await waitUntil(() => server.pool.openLeaseCount() === 0, "the lease to end");
    expect(sim.keyStats("k1")).toMatchObject({ requests: 1, inFlight: 0 });
    expect(poolKeys(server, "openai")["k1"]?.byOutcome).toEqual({ cancelled: 1 });
    // The key stays usable: a cancelled call is no fault of the key.
    expect(poolKeys(server, "openai")["k1"]?.state).toBe("active");
    expect(server.pool.snapshot(["openai"]).providers[0]!.inFlight).toBe(0);
  });

  it("a client that stops reading holds the upstream back (backpressure) instead of the proxy buffering the stream", async () => {
    // An upstream that writes SSE as fast as it is allowed, and records when it is made to wait.
    let written = 0;
    let waiting = false;
    let upstreamClosed = false;
    const upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const line = `data: ${JSON.stringify({ choices: [{ delta: { content: "x".repeat(1000) } }] })}\n\n`;
      const pump = () => {
        while (!res.destroyed) {
          written += line.length;
          if (!res.write(line)) {
            waiting = true;
            res.once("drain", () => {
              waiting = false;
              pump();
            });
            return;
          }
        }
      };
      res.on("close", () => (upstreamClosed = true));
      pump();
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    onTestFinished(() => new Promise<void>((resolve) => upstream.close(() => resolve())));
    upstream.on("connection", (s) => onTestFinished(() => void s.destroy()));
    const base = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/v1`;
    const server = await keypoolProxy({ flood: [{ id: "f1", secret: "sk-test-flood-0001", baseUrl: base }] });

    const client = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(`${server.proxyUrl}/flood/v1/chat/completions`, { method: "POST" }, resolve);
      req.on("error", reject);
      req.end(JSON.stringify({ ...chat, stream: true }));
    });
    client.pause();
    // The buffers on the way fill up, then the upstream is made to wait for good: it has been waiting, with nothing
    // more written, over three looks in a row (one quiet look can be a busy machine between two bursts).
    let last = -1;
    let quiet = 0;
    const deadline = Date.now() + 15_000;
    while (quiet < 3 && Date.now() < deadline) {
      quiet = waiting && written === last ? quiet + 1 : 0;
      last = written;
      await new Promise((r) => setTimeout(r, 200));
    }
    const stalledAt = written;
    expect(waiting).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    // Nothing more left the upstream while the client read nothing, and what did is bounded by socket buffers.
    expect(written).toBe(stalledAt);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    // Reading again lets the upstream go on.
    let received = 0;
    client.on("data", (d: Buffer) => (received += d.length));
    client.resume();
    await waitUntil(() => written > stalledAt + 1_000_000, "the upstream to write again");
    client.destroy();
    await waitUntil(() => upstreamClosed, "the upstream request to be closed after the client left");
    await waitUntil(() => server.pool.openLeaseCount() === 0, "the lease to end");
    expect(received).toBeGreaterThan(0);
    expect(poolKeys(server, "flood")["f1"]?.byOutcome).toEqual({ cancelled: 1 });
  });
});
